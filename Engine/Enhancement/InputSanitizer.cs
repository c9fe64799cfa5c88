namespace RealtimeDenoise.Enhancement;

/// <summary>
/// Replaces non-finite samples (NaN, ±Inf) by 0 and counts them, so that they never reach the
/// spectral model or the output. Finite samples are passed through unchanged (clipping is not
/// this class's business: the model handles full-scale input).
/// </summary>
public static class InputSanitizer
{
    /// <summary>Copies <paramref name="input"/> into <paramref name="output"/> with non-finite values set to 0; returns how many were replaced.</summary>
    public static int Sanitize(ReadOnlySpan<float> input, Span<float> output)
    {
        if (output.Length < input.Length) throw new ArgumentException("Output is shorter than the input.", nameof(output));
        int replaced = 0;
        for (int i = 0; i < input.Length; i++)
        {
            float x = input[i];
            if (float.IsFinite(x)) output[i] = x;
            else
            {
                output[i] = 0f;
                replaced++;
            }
        }
        return replaced;
    }
}
