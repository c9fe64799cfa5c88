namespace RealtimeDenoise.Dsp;

/// <summary>
/// One-pole smoothing over time with separate coefficients for rising and falling values, per element:
/// s ← a·s + (1 − a)·x with a = <c>rise</c> where x &gt; s and a = <c>fall</c> elsewhere. For a gain mask a small
/// <c>rise</c> opens the gain at once on a speech onset while <c>fall</c> still holds it back from fluttering in noise.
/// </summary>
public static class AsymmetricSmoothing
{
    /// <summary>One step: <paramref name="state"/> moves towards <paramref name="input"/> (same length), in place.</summary>
    public static void Step(Span<float> state, ReadOnlySpan<float> input, float rise, float fall)
    {
        if (input.Length != state.Length) throw new ArgumentException("Input and state lengths differ.", nameof(input));
        for (int i = 0; i < state.Length; i++)
        {
            float s = state[i], x = input[i];
            float a = x > s ? rise : fall;
            state[i] = a * s + (1 - a) * x;
        }
    }
}
