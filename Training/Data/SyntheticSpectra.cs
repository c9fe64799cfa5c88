using RealtimeDenoise.Training.Nn;

namespace RealtimeDenoise.Training.Data;

/// <summary>
/// Power frames drawn from a known low-dimensional model: log σ² = A·u + b with u ~ N(0, I₂), and
/// p = σ²·e with e ~ Exp(1) (the squared magnitude of a complex Gaussian), so a VAE can learn them.
/// </summary>
public static class SyntheticSpectra
{
    public static FrameSet Make(int frames, int bins, ulong seed, string name = "synthetic")
    {
        var rng = new TrainingRandom(seed);
        var basis = new double[2 * bins];
        for (int f = 0; f < bins; f++)
        {
            basis[f] = Math.Cos(Math.PI * f / bins) * 1.5;
            basis[bins + f] = Math.Sin(2 * Math.PI * f / bins) * 1.0;
        }
        var power = new float[frames * bins];
        var u = new double[2];
        for (int n = 0; n < frames; n++)
        {
            rng.FillGaussian(u);
            for (int f = 0; f < bins; f++)
            {
                double logVar = -4 - 0.05 * f + u[0] * basis[f] + u[1] * basis[bins + f];
                double e = -Math.Log(1 - rng.NextDouble());
                power[n * bins + f] = (float)(Math.Exp(logVar) * e);
            }
        }
        return new FrameSet(bins, power, [name]);
    }
}
