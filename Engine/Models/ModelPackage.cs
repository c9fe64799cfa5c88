namespace RealtimeDenoise.Models;

public enum InferenceBackend { Auto, Managed, Onnx }

public enum ExecutionDevice { Auto, Cpu, Cuda }

/// <summary>How to run a model package. Managed inference needs no native library.</summary>
public sealed record ModelLoadOptions(
    InferenceBackend Backend = InferenceBackend.Managed,
    ExecutionDevice Device = ExecutionDevice.Cpu,
    string? OrtLibraryPath = null,
    int Threads = 1);

/// <summary>
/// A model package folder: encoder.onnx, decoder.onnx, model.json. The shipped default package is
/// embedded in this assembly and used when no folder is given.
/// </summary>
public static class ModelPackage
{
    /// <summary>Loads a package (null: the embedded default) for inference with the chosen backend.</summary>
    public static IVarianceModel Load(string? directory, ModelLoadOptions? options = null) =>
        throw new NotImplementedException("Model packages: issue 3.");

    /// <summary>Reads the weights of a package (null: the embedded default) from its ONNX initializers.</summary>
    public static (VaeWeights Weights, ModelCard Card) ReadWeights(string? directory) =>
        throw new NotImplementedException("Model packages: issue 3.");

    /// <summary>Writes encoder.onnx, decoder.onnx and model.json into <paramref name="directory"/> (each file atomically).</summary>
    public static void Write(string directory, VaeWeights weights, ModelCard card) =>
        throw new NotImplementedException("Model packages: issue 3.");
}
