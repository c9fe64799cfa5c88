using RealtimeDenoise.Dsp;

namespace RealtimeDenoise.Engine.Tests.Dsp;

public class SpectrogramTests
{
    [Fact]
    public void PowerIsSquaredMagnitude()
    {
        var spec = new Spectrogram(3, 257);
        var rng = new Random(6);
        for (int i = 0; i < spec.Real.Length; i++) { spec.Real[i] = (float)rng.NextDouble() - 0.5f; spec.Imag[i] = (float)rng.NextDouble() - 0.5f; }
        var p = spec.Power();
        Assert.Equal(spec.Real.Length, p.Length);
        for (int i = 0; i < p.Length; i++)
        {
            double expected = (double)spec.Real[i] * spec.Real[i] + (double)spec.Imag[i] * spec.Imag[i];
            Assert.True(Math.Abs(p[i] - expected) <= 1e-6 * Math.Max(expected, 1e-3), $"bin {i}: {p[i]} vs {expected}");
        }
        Assert.Throws<ArgumentException>(() => spec.Power(new float[p.Length - 1]));
    }
}
