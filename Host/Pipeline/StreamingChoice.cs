using RealtimeDenoise.Enhancement;
using RealtimeDenoise.Host.Cli;

namespace RealtimeDenoise.Host.Pipeline;

/// <summary>Streaming-enhancer options shared by `live`, `denoise` and `eval`: --lookahead (streaming mode only) and --companion-weight (also the offline mode's streaming passes).</summary>
public static class StreamingChoice
{
    public const string Help =
        "  --lookahead N         streaming: frames of lookahead, 0–8 (default 0); each adds one hop of latency\n" +
        "                        (8 ms with the default model); each frame's mask is averaged over up to 2 frames\n" +
        "                        on each side: 2 gains 0.001 STOI on dev-test (no SI-SDR), more only adds latency\n" +
        "  --companion-weight W  with the embedded model: largest share, 0–1 (default 0.7), of the embedded companion\n" +
        "                        model (an encoder trained on noisy speech), mixed in below 10 dB SNR by the streaming\n" +
        "                        enhancer and the offline mode's streaming passes; 0 turns it off and halves the\n" +
        "                        streaming cost (dev-test SI-SDRi: streaming −0.4 dB, offline −0.1 dB)\n";

    public static StreamingOptions Parse(CommandLineArgs args)
    {
        var defaults = new StreamingOptions();
        return new()
        {
            LookaheadFrames = args.Int("--lookahead", 0, 0, 8),
            CompanionWeight = (float)args.Double("--companion-weight", defaults.CompanionWeight, 0, 1),
        };
    }

    /// <summary>The offline settings that carry what applies to the offline mode's streaming passes too: --companion-weight.</summary>
    public static OfflineOptions OfflineOptionsFor(StreamingOptions options) =>
        new() { StreamingPasses = new StreamingOptions { CompanionWeight = options.CompanionWeight } };

    /// <summary>--lookahead belongs to the streaming mode; given with the offline one it would be silently ignored.</summary>
    public static void RequireStreaming(StreamingOptions options, bool streamingMode)
    {
        if (options.LookaheadFrames != 0 && !streamingMode)
            throw new UsageException("--lookahead applies to --mode streaming (the offline mode sees the whole file and suppresses clicks anyway).");
    }
}
