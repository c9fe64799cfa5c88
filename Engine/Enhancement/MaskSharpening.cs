using System.Numerics.Tensors;

namespace RealtimeDenoise.Enhancement;

/// <summary>
/// Steepens a Wiener-type mask in the logit domain: m' = 1 / (1 + ((1 − m)/m)^a). For a Wiener gain m = ξ/(ξ + β)
/// that is ξ^a / (ξ^a + β^a): the same gain at ξ = β, less where the model sees noise, more where it sees speech.
/// a = 1 leaves the mask as it is.
/// </summary>
public static class MaskSharpening
{
    /// <summary>Mask values are kept inside (0, 1) by this margin so the ratio stays finite.</summary>
    private const float Margin = 1e-6f;

    /// <summary>Sharpens <paramref name="mask"/> in place with exponent <paramref name="exponent"/>; <paramref name="scratch"/> is at least as long.</summary>
    public static void Apply(Span<float> mask, float exponent, Span<float> scratch)
    {
        if (exponent == 1f) return;
        var ratio = scratch[..mask.Length];
        TensorPrimitives.Clamp(mask, Margin, 1f - Margin, mask);
        TensorPrimitives.Subtract(1f, mask, ratio);
        TensorPrimitives.Divide(ratio, mask, ratio);
        TensorPrimitives.Pow(ratio, exponent, ratio);
        TensorPrimitives.Add(ratio, 1f, ratio);
        TensorPrimitives.Reciprocal(ratio, mask);
    }
}
