using RealtimeDenoise.Enhancement;
using RealtimeDenoise.Host.Cli;

namespace RealtimeDenoise.Host.Pipeline;

/// <summary>Streaming-enhancer options shared by `live`, `denoise --mode streaming` and `eval --mode streaming` (--lookahead).</summary>
public static class StreamingChoice
{
    public const string Help =
        "  --lookahead N         streaming: frames of lookahead, 0–8 (default 0); each adds one hop of latency\n" +
        "                        (8 ms with the default model); each frame's mask is averaged over up to 2 frames\n" +
        "                        on each side, so 1–2 help (+0.06 dB on dev-test) and more only adds latency\n" +
        "  --companion-weight W  streaming with the embedded model: largest share, 0–1 (default 0.5), of the embedded\n" +
        "                        companion model (an encoder trained on noisy speech), mixed in below 10 dB SNR;\n" +
        "                        0 turns it off and halves the processing cost (−0.3 dB SI-SDRi on dev-test)\n";

    public static StreamingOptions Parse(CommandLineArgs args)
    {
        var defaults = new StreamingOptions();
        return new()
        {
            LookaheadFrames = args.Int("--lookahead", 0, 0, 8),
            CompanionWeight = (float)args.Double("--companion-weight", defaults.CompanionWeight, 0, 1),
        };
    }

    /// <summary>--lookahead belongs to the streaming mode; given with the offline one it would be silently ignored.</summary>
    public static void RequireStreaming(StreamingOptions options, bool streamingMode)
    {
        if (options.LookaheadFrames != 0 && !streamingMode)
            throw new UsageException("--lookahead applies to --mode streaming (the offline mode sees the whole file and suppresses clicks anyway).");
        if (options.CompanionWeight != new StreamingOptions().CompanionWeight && !streamingMode)
            throw new UsageException("--companion-weight applies to --mode streaming.");
    }
}
