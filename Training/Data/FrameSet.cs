namespace RealtimeDenoise.Training.Data;

/// <summary>Power-spectrum frames |X|², frame-major [Frames, Bins], with the files they came from.</summary>
public sealed class FrameSet
{
    public FrameSet(int bins, float[] power, IReadOnlyList<string> files)
    {
        if (bins <= 0 || power.Length % bins != 0) throw new ArgumentException($"Power array of {power.Length} values is not a whole number of {bins}-bin frames.");
        Bins = bins;
        Power = power;
        Files = files;
    }

    public int Bins { get; }
    public float[] Power { get; }
    public int Frames => Power.Length / Bins;
    public IReadOnlyList<string> Files { get; }
    public ReadOnlySpan<float> Frame(int n) => Power.AsSpan(n * Bins, Bins);

    /// <summary>Per-bin mean and standard deviation of log(p + ε), the encoder's input standardisation.</summary>
    public (float[] Mean, float[] Std) LogStatistics(float epsilon)
    {
        var sum = new double[Bins];
        var sumSq = new double[Bins];
        for (int n = 0; n < Frames; n++)
        {
            var row = Frame(n);
            for (int f = 0; f < Bins; f++)
            {
                double v = Math.Log(row[f] + (double)epsilon);
                sum[f] += v;
                sumSq[f] += v * v;
            }
        }
        var mean = new float[Bins];
        var std = new float[Bins];
        for (int f = 0; f < Bins; f++)
        {
            double m = sum[f] / Math.Max(1, Frames);
            mean[f] = (float)m;
            std[f] = (float)Math.Sqrt(Math.Max(sumSq[f] / Math.Max(1, Frames) - m * m, 1e-12));
        }
        return (mean, std);
    }

    /// <summary>Per-bin mean power: the baseline speech variance model σ²_f = E[p_f].</summary>
    public double[] MeanPower()
    {
        var sum = new double[Bins];
        for (int n = 0; n < Frames; n++)
        {
            var row = Frame(n);
            for (int f = 0; f < Bins; f++) sum[f] += row[f];
        }
        for (int f = 0; f < Bins; f++) sum[f] /= Math.Max(1, Frames);
        return sum;
    }
}
