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
        "  --backend B           managed | onnx | auto (default managed: pure C#, no native library;\n" +
        "                        auto: ONNX Runtime when its library loads, else managed)\n" +
        "  --device D            cpu | cuda (default cpu; cuda needs --backend onnx and a CUDA ONNX Runtime)\n" +
        "  --ort-lib PATH        ONNX Runtime native library (default: $RTDENOISE_ORT_LIBRARY)\n";

    public static ModelChoice Parse(CommandLineArgs args) => new(
        args.Option("--model"),
        args.Enum("--backend", InferenceBackend.Managed),
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
        return ModelPackage.Load(ModelDirectory, LoadOptions);
    }

    /// <summary>
    /// <see cref="Load"/> and the companion the streaming enhancer (and the offline one's streaming passes) mixes in at low
    /// SNR (see <see cref="LoadCompanion"/>); the model is released when the companion fails to load.
    /// </summary>
    public (IVarianceModel Model, IVarianceModel? Companion) LoadWithCompanion(StreamingOptions? options) =>
        WithCompanion(Load(), ModelDirectory, options, LoadOptions);

    /// <summary>The package (null: the embedded default) and its companion, as <see cref="LoadWithCompanion(StreamingOptions?)"/>.</summary>
    public static (IVarianceModel Model, IVarianceModel? Companion) LoadWithCompanion(string? modelDirectory, StreamingOptions? options, ModelLoadOptions load) =>
        WithCompanion(ModelPackage.Load(modelDirectory, load), modelDirectory, options, load);

    private static (IVarianceModel, IVarianceModel?) WithCompanion(IVarianceModel model, string? modelDirectory, StreamingOptions? options, ModelLoadOptions load)
    {
        try { return (model, LoadCompanion(modelDirectory, options, load)); }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The embedded companion (<see cref="ModelPackage.LoadCompanion"/>) when the model is the embedded default and
    /// <see cref="StreamingOptions.CompanionWeight"/> is above 0; none for a package given with --model, whose companion we do not know.
    /// </summary>
    public static IVarianceModel? LoadCompanion(string? modelDirectory, StreamingOptions? options, ModelLoadOptions load) =>
        modelDirectory is null && (options ?? new StreamingOptions()).CompanionWeight > 0 && ModelPackage.HasEmbeddedCompanion
            ? ModelPackage.LoadCompanion(load)
            : null;

    private ModelLoadOptions LoadOptions => new(Backend, Device, OrtLibrary) { Notice = n => Console.Error.WriteLine($"rtdenoise: {n}") };
}

/// <summary>No model is available: no --model given and none embedded in this build.</summary>
public sealed class EnhancerUnavailableException(string message) : InvalidOperationException(message);

/// <summary>Builds enhancers; the hosts go through it so tests can substitute a processor with known behaviour.</summary>
public static class EnhancerFactory
{
    public static IStreamProcessor CreateStreaming(ModelChoice model, StreamingOptions? options = null)
    {
        var (loaded, companion) = model.LoadWithCompanion(options);
        return Denoiser.CreateStreaming(loaded, options, companion);
    }

    public static IEnhancer CreateOffline(ModelChoice model)
    {
        var (loaded, companion) = model.LoadWithCompanion(null);
        return Denoiser.CreateOffline(loaded, companion: companion);
    }
}
