using RealtimeDenoise.Enhancement;
using RealtimeDenoise.Host.Cli;
using RealtimeDenoise.Models;

namespace RealtimeDenoise.Host.Pipeline;

/// <summary>
/// The enhancer settings shared by `live`, `denoise` and `eval`, for each mode: --lookahead (streaming only),
/// --companion-weight (the streaming enhancer and the offline mode's streaming passes), --max-attenuation (the
/// final gain floor of either mode) and --no-refiner (offline only). The offline mode's mask refiner is the model
/// package's (<see cref="ModelPackage.ReadMaskRefiner"/>): the embedded one with the embedded model, none for a
/// package given with --model that has no <see cref="MaskRefiner.FileName"/>.
/// </summary>
public sealed record EnhancerChoice(StreamingOptions Streaming, OfflineOptions Offline, bool RefinerOff = false)
{
    public const string Help =
        "  --lookahead N         streaming: frames of lookahead, 0–8 (default 0); each adds one hop of latency\n" +
        "                        (8 ms with the default model); each frame's mask is averaged over up to 2 frames\n" +
        "                        on each side: 2 gains 0.001 STOI on dev-test (no SI-SDR), more only adds latency\n" +
        "  --companion-weight W  with the embedded model: largest share, 0–1 (default 0.7), of the embedded companion\n" +
        "                        model (an encoder trained on noisy speech), mixed in below 10 dB SNR by the streaming\n" +
        "                        enhancer and the offline mode's streaming passes; 0 turns it off and halves the\n" +
        "                        streaming cost (dev-test SI-SDRi: streaming −0.4 dB, offline −0.1 dB)\n" +
        "  --max-attenuation DB  most the output is turned down anywhere, 0–60 dB (default 20 streaming, 30 offline):\n" +
        "                        lower keeps more of the background, higher removes more of it (dev-test streaming,\n" +
        "                        SI-SDRi dB / STOI: 10 dB 5.1 / 0.765; 20: 6.4 / 0.770; 30: 6.5 / 0.769)\n" +
        "  --no-refiner          offline: leave out the learnt mask refiner (the model package's mask-refiner.json;\n" +
        "                        dev-test SI-SDRi 8.02 dB with it, 7.50 without)\n";

    /// <summary>Every setting at its engine default.</summary>
    public static EnhancerChoice Defaults => new(new StreamingOptions(), new OfflineOptions());

    public static EnhancerChoice Parse(CommandLineArgs args)
    {
        var streamingDefaults = new StreamingOptions();
        var offlineDefaults = new OfflineOptions();
        int lookahead = args.Int("--lookahead", 0, 0, 8);
        float weight = (float)args.Double("--companion-weight", streamingDefaults.CompanionWeight, 0, 1);
        float? floor = args.Option("--max-attenuation") is null ? null : (float)args.Double("--max-attenuation", 0, 0, 60);
        var streaming = new StreamingOptions
        {
            LookaheadFrames = lookahead,
            CompanionWeight = weight,
            MaxAttenuationDb = floor ?? streamingDefaults.MaxAttenuationDb,
        };
        bool refinerOff = args.Flag("--no-refiner");
        string? modelDirectory = args.Option("--model");
        // The passes keep their own floor: the offline floor bounds the final mask they are blended into.
        var offline = new OfflineOptions
        {
            StreamingPasses = new StreamingOptions { CompanionWeight = weight },
            MaxAttenuationDb = floor ?? offlineDefaults.MaxAttenuationDb,
            // A folder that does not exist is reported when the model loads.
            MaskRefiner = refinerOff ? null
                : modelDirectory is not null ? (Directory.Exists(modelDirectory) ? ModelPackage.ReadMaskRefiner(modelDirectory) : null)
                : offlineDefaults.MaskRefiner,
        };
        return new EnhancerChoice(streaming, offline, refinerOff);
    }

    /// <summary>--lookahead belongs to the streaming mode and --no-refiner to the offline one; given with the other they would be silently ignored.</summary>
    public void RequireStreaming(bool streamingMode)
    {
        if (Streaming.LookaheadFrames != 0 && !streamingMode)
            throw new UsageException("--lookahead applies to --mode streaming (the offline mode sees the whole file and suppresses clicks anyway).");
        if (RefinerOff && streamingMode)
            throw new UsageException("--no-refiner applies to the offline mode (the streaming enhancer has no mask refiner).");
    }
}
