using RealtimeDenoise.Enhancement;
using RealtimeDenoise.Host.Cli;
using RealtimeDenoise.Models;
using RealtimeDenoise.Streaming;

namespace RealtimeDenoise.Host.Pipeline;

/// <summary>Model options shared by `denoise` and `live` (--model, --backend, --device, --ort-lib).</summary>
public sealed record ModelChoice(string? ModelDirectory, InferenceBackend Backend, ExecutionDevice Device, string? OrtLibrary)
{
    public const string Help =
        "  --model DIR           model package folder (default: the embedded model)\n" +
        "  --backend B           auto | managed | onnx (default auto)\n" +
        "  --device D            cpu | cuda (default cpu; cuda needs --backend onnx and a CUDA ONNX Runtime)\n" +
        "  --ort-lib PATH        ONNX Runtime native library (default: $RTDENOISE_ORT_LIBRARY)\n";

    public static ModelChoice Parse(CommandLineArgs args) => new(
        args.Option("--model"),
        args.Enum("--backend", InferenceBackend.Auto),
        args.Enum("--device", ExecutionDevice.Cpu),
        args.Option("--ort-lib") ?? Environment.GetEnvironmentVariable("RTDENOISE_ORT_LIBRARY"));

    public IVarianceModel Load()
    {
        if (ModelDirectory is not null && !Directory.Exists(ModelDirectory))
            throw new UsageException($"Model folder '{ModelDirectory}' does not exist.");
        if (ModelDirectory is null && !ModelPackage.HasEmbeddedDefault)
            throw new EnhancerUnavailableException("no default model is embedded in this build; give a model package with --model DIR");
        if (Device == ExecutionDevice.Cuda && Backend == InferenceBackend.Managed)
            throw new UsageException("--device cuda needs --backend onnx (or auto).");
        try
        {
            return ModelPackage.Load(ModelDirectory, new ModelLoadOptions(Backend, Device, OrtLibrary) { Notice = n => Console.Error.WriteLine($"rtdenoise: {n}") });
        }
        catch (NotImplementedException e)
        {
            throw new EnhancerUnavailableException($"the speech model runtime is not available in this build ({e.Message})");
        }
    }
}

/// <summary>The enhancer (or the model it needs) is not part of this build yet.</summary>
public sealed class EnhancerUnavailableException(string message) : InvalidOperationException(message);

/// <summary>Builds enhancers; the hosts go through it so tests can substitute a processor with known behaviour.</summary>
public static class EnhancerFactory
{
    /// <summary>
    /// False while the enhancement engine is still the contract stub (it throws NotImplementedException
    /// before looking at its model), so `--help` can say so instead of promising what the build lacks.
    /// </summary>
    public static bool EngineAvailable { get; } = Probe();

    private static bool Probe()
    {
        try { using var p = Denoiser.CreateStreaming(null!); return true; }
        catch (NotImplementedException) { return false; }
        catch (Exception) { return true; } // implemented: it rejected the null model
    }

    /// <summary>Suffix for command summaries when the engine is missing.</summary>
    public static string AvailabilityNote => EngineAvailable ? "" : " [enhancer not in this build yet: --passthrough only]";

    public static IStreamProcessor CreateStreaming(ModelChoice model)
    {
        var m = model.Load();
        try { return Denoiser.CreateStreaming(m); }
        catch (NotImplementedException e) { throw new EnhancerUnavailableException($"the streaming enhancer is not available in this build ({e.Message})"); }
    }

    public static IEnhancer CreateOffline(ModelChoice model)
    {
        var m = model.Load();
        try { return Denoiser.CreateOffline(m); }
        catch (NotImplementedException e) { throw new EnhancerUnavailableException($"the offline enhancer is not available in this build ({e.Message})"); }
    }
}
