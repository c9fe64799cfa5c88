using System.Globalization;
using RealtimeDenoise.IO;
using RealtimeDenoise.Models.Onnx;
using RealtimeDenoise.Models.OnnxRuntime;

namespace RealtimeDenoise.Models;

public enum InferenceBackend { Auto, Managed, Onnx }

public enum ExecutionDevice { Auto, Cpu, Cuda }

/// <summary>ONNX Runtime graph optimisation levels (values of the C API's GraphOptimizationLevel).</summary>
public enum OrtGraphOptimization { Disabled = 0, Basic = 1, Extended = 2, All = 99 }

/// <summary>ONNX Runtime log severity threshold (values of the C API's OrtLoggingLevel).</summary>
public enum OrtLogLevel { Verbose = 0, Info = 1, Warning = 2, Error = 3, Fatal = 4 }

/// <summary>How to run a model package. Managed inference needs no native library.</summary>
/// <param name="Backend">Managed (default, pure C#), Onnx (ONNX Runtime), or Auto (ONNX Runtime when its library loads, else managed).</param>
/// <param name="Device">Cpu, Cuda (ONNX Runtime with a CUDA-enabled library; an error otherwise) or Auto (CUDA when available, else CPU with a notice).</param>
/// <param name="OrtLibraryPath">ONNX Runtime native library; null: RTDENOISE_ORT_LIBRARY, the app folder, then the system loader.</param>
/// <param name="Threads">Managed: threads for large batches. ONNX Runtime: intra-op threads.</param>
public sealed record ModelLoadOptions(
    InferenceBackend Backend = InferenceBackend.Managed,
    ExecutionDevice Device = ExecutionDevice.Cpu,
    string? OrtLibraryPath = null,
    int Threads = 1)
{
    /// <summary>Receives one-line notices (e.g. "CUDA unavailable, using CPU"); the engine never prints.</summary>
    public Action<string>? Notice { get; init; }

    public OrtGraphOptimization GraphOptimization { get; init; } = OrtGraphOptimization.All;

    public OrtLogLevel OrtLogLevel { get; init; } = OrtLogLevel.Warning;

    /// <summary>CUDA device ordinal when <see cref="Device"/> asks for CUDA.</summary>
    public int CudaDeviceId { get; init; }
}

/// <summary>
/// A model package folder: encoder.onnx, decoder.onnx, model.json. The shipped default package is
/// embedded in this assembly and used when no folder is given. Every problem with a package is an
/// <see cref="InvalidDataException"/> whose message names the file and the field.
/// </summary>
public static class ModelPackage
{
    public const string EncoderFile = VaeOnnx.EncoderFile;
    public const string DecoderFile = VaeOnnx.DecoderFile;
    public const string CardFile = VaeOnnx.CardFile;

    /// <summary>True when this build embeds a default package (so <c>Load(null)</c> works).</summary>
    public static bool HasEmbeddedDefault
    {
        get
        {
            try { PackageSource.Open(null); return true; }
            catch (InvalidDataException) { return false; }
        }
    }

    /// <summary>True when this build embeds the default's companion (so <see cref="LoadCompanion"/> works).</summary>
    public static bool HasEmbeddedCompanion
    {
        get
        {
            try { PackageSource.OpenCompanion(); return true; }
            catch (InvalidDataException) { return false; }
        }
    }

    /// <summary>
    /// Loads the embedded companion of the default model (models/noise-aware: the same decoder, an encoder trained on noisy
    /// speech), which the streaming enhancer mixes in at low SNR (<see cref="Enhancement.Denoiser.CreateStreaming"/>).
    /// </summary>
    public static IVarianceModel LoadCompanion(ModelLoadOptions? options = null) => Load(PackageSource.OpenCompanion(), options);

    /// <summary>Loads a package (null: the embedded default) for inference with the chosen backend.</summary>
    public static IVarianceModel Load(string? directory, ModelLoadOptions? options = null) => Load(PackageSource.Open(directory), options);

    /// <summary>Loads a package held in memory (ONNX Runtime then creates its sessions from the bytes).</summary>
    public static IVarianceModel Load(byte[] encoderOnnx, byte[] decoderOnnx, string cardJson, ModelLoadOptions? options = null) =>
        Load(PackageSource.FromMemory(encoderOnnx, decoderOnnx, System.Text.Encoding.UTF8.GetBytes(cardJson)), options);

    private static IVarianceModel Load(PackageSource source, ModelLoadOptions? options)
    {
        options ??= new ModelLoadOptions();
        if (options.Threads < 1) throw new ArgumentOutOfRangeException(nameof(options), $"Threads must be at least 1, got {options.Threads}.");
        var (weights, card, encoderBytes, decoderBytes) = ReadAll(source);
        switch (options.Backend)
        {
            case InferenceBackend.Managed:
                if (options.Device == ExecutionDevice.Cuda)
                    throw new NotSupportedException("The managed backend runs on the CPU only; for CUDA use the ONNX Runtime backend (--backend onnx) with a CUDA-enabled ONNX Runtime library.");
                return new ManagedVarianceModel(weights, card, options.Threads);
            case InferenceBackend.Onnx:
                return OrtVarianceModel.Create(source, card, encoderBytes, decoderBytes, options);
            case InferenceBackend.Auto:
                try
                {
                    return OrtVarianceModel.Create(source, card, encoderBytes, decoderBytes, options);
                }
                catch (OrtLibraryNotFoundException e) when (options.Device != ExecutionDevice.Cuda)
                {
                    // CUDA needs ONNX Runtime, so only CPU/Auto requests may fall back to the managed backend.
                    options.Notice?.Invoke($"ONNX Runtime not available ({e.Message}); using the managed backend.");
                    return new ManagedVarianceModel(weights, card, options.Threads);
                }
            default:
                throw new ArgumentOutOfRangeException(nameof(options), $"Unknown backend {options.Backend}.");
        }
    }

    /// <summary>
    /// The <see cref="Enhancement.MaskRefiner"/> of a package (null: the embedded default's), or null when the package has
    /// no <see cref="Enhancement.MaskRefiner.FileName"/>; a file that is there but unreadable is an <see cref="InvalidDataException"/>.
    /// </summary>
    public static Enhancement.MaskRefiner? ReadMaskRefiner(string? directory)
    {
        var source = PackageSource.Open(directory);
        string file = Enhancement.MaskRefiner.FileName;
        return source.TryReadBytes(file) is { } bytes ? Enhancement.MaskRefiner.FromJson(System.Text.Encoding.UTF8.GetString(bytes), source.Describe(file)) : null;
    }

    /// <summary>Reads the weights of a package (null: the embedded default) from its ONNX initializers, checked against its card.</summary>
    public static (VaeWeights Weights, ModelCard Card) ReadWeights(string? directory)
    {
        var (weights, card, _, _) = ReadAll(PackageSource.Open(directory));
        return (weights, card);
    }

    /// <summary>Reads a package from ONNX bytes held in memory (e.g. a model downloaded or generated at run time).</summary>
    public static (VaeWeights Weights, ModelCard Card) ReadWeights(byte[] encoderOnnx, byte[] decoderOnnx, string cardJson)
    {
        var (weights, card, _, _) = ReadAll(PackageSource.FromMemory(encoderOnnx, decoderOnnx, System.Text.Encoding.UTF8.GetBytes(cardJson)));
        return (weights, card);
    }

    /// <summary>The encoder and decoder as ONNX model bytes, exactly as <see cref="Write"/> stores them.</summary>
    public static (byte[] Encoder, byte[] Decoder) ToOnnx(VaeWeights weights) => (VaeOnnxExporter.Encoder(weights), VaeOnnxExporter.Decoder(weights));

    /// <summary>
    /// Writes encoder.onnx, decoder.onnx and model.json into <paramref name="directory"/> (created if needed;
    /// each file via a temporary file and a rename). The card must agree with the weights; empty
    /// <c>created</c>/<c>exporter</c> fields are filled in (the caller's card is not modified).
    /// </summary>
    public static void Write(string directory, VaeWeights weights, ModelCard card)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(card);
        var stored = ModelCard.FromJson(card.ToJson(), CardFile);
        if (string.IsNullOrEmpty(stored.Created)) stored.Created = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        if (string.IsNullOrEmpty(stored.Exporter)) stored.Exporter = $"{VaeOnnx.Producer} {typeof(ModelPackage).Assembly.GetName().Version}";
        try
        {
            ModelCardCheck.CheckWeights(stored, weights, CardFile, EncoderFile, DecoderFile);
        }
        catch (InvalidDataException e)
        {
            throw new ArgumentException($"The model card does not describe these weights: {e.Message}", nameof(card), e);
        }
        var (encoder, decoder) = ToOnnx(weights);
        Directory.CreateDirectory(directory);
        AtomicFile.WriteAllBytes(Path.Combine(directory, EncoderFile), encoder);
        AtomicFile.WriteAllBytes(Path.Combine(directory, DecoderFile), decoder);
        AtomicFile.WriteAllText(Path.Combine(directory, CardFile), stored.ToJson() + "\n");
    }

    private static (VaeWeights, ModelCard, byte[], byte[]) ReadAll(PackageSource source)
    {
        var card = source.ReadCard();
        string cardName = source.Describe(CardFile), encName = source.Describe(EncoderFile), decName = source.Describe(DecoderFile);
        ModelCardCheck.CheckCard(card, cardName);
        byte[] encoder = source.ReadBytes(EncoderFile), decoder = source.ReadBytes(DecoderFile);
        var weights = ParseWeights(encoder, decoder, encName, decName);
        ModelCardCheck.CheckWeights(card, weights, cardName, encName, decName);
        return (weights, card, encoder, decoder);
    }

    private static VaeWeights ParseWeights(byte[] encoder, byte[] decoder, string encName, string decName)
    {
        var enc = VaeOnnxImporter.ReadEncoder(VaeOnnxImporter.Parse(encoder, encName), encName);
        var dec = VaeOnnxImporter.ReadDecoder(VaeOnnxImporter.Parse(decoder, decName), decName);
        return new VaeWeights { Input = enc.Input, EncoderHidden = enc.Hidden, EncoderMu = enc.Mu, EncoderLogVar = enc.LogVar, Decoder = dec };
    }
}
