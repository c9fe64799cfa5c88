using RealtimeDenoise.Enhancement;
using RealtimeDenoise.Host.Cli;

namespace RealtimeDenoise.Host.Pipeline;

/// <summary>Streaming-enhancer options shared by `live`, `denoise --mode streaming` and `eval --mode streaming` (--lookahead).</summary>
public static class StreamingChoice
{
    public const string Help =
        "  --lookahead N         streaming: frames of lookahead, 0–8 (default 0); each adds one hop of latency\n" +
        "                        (8 ms with the default model); from 4 on, key strikes and clicks are suppressed too\n";

    public static StreamingOptions Parse(CommandLineArgs args) => new() { LookaheadFrames = args.Int("--lookahead", 0, 0, 8) };
}
