using RealtimeDenoise.Models.OnnxRuntime;

namespace RealtimeDenoise.Models;

/// <summary>The VAE run by ONNX Runtime (work in progress: the binding lands in the next commit).</summary>
public sealed class OrtVarianceModel
{
    internal static IVarianceModel Create(PackageSource source, ModelCard card, byte[] encoder, byte[] decoder, ModelLoadOptions options) =>
        throw new OrtLibraryNotFoundException("the ONNX Runtime backend is not built yet (issue 3, in progress)");
}
