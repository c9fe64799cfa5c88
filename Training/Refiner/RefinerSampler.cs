using RealtimeDenoise.Dsp;
using RealtimeDenoise.Enhancement;
using RealtimeDenoise.Training.Nn;

namespace RealtimeDenoise.Training.Refiner;

/// <summary>
/// Watches the offline enhancer (<see cref="OfflineEnhancer.StageObserver"/>) on a mixture whose clean speech is known
/// and draws bins for the refiner's training. The loss the refiner minimises is SI-SDR-like: per mixture,
/// Σ p·(m − t)² / E_s with p = |X|², t = Re(S·X*)/p the ideal real gain and E_s the clean energy, divided by the same
/// sum for the final mask, so every mixture counts by how much it can improve in dB rather than by its loudness.
/// Bins are drawn with probability ∝ √w (w the bin's term weight) and weighted by w/√w, which keeps the estimate
/// unbiased while giving quiet bins a hearing. Not thread-safe: one per worker.
/// </summary>
internal sealed class RefinerSampler(StftConfig stft, int samplesPerSegment) : IOfflineStageObserver
{
    private readonly Stft _stft = new(stft);
    private readonly MaskRefinerFeatures _features = new();
    private readonly List<RefinerSamples> _drawn = [];

    /// <summary>The mixture's clean speech, sample-aligned with the enhancer's input.</summary>
    public float[] Clean { get; set; } = [];

    /// <summary>Seeds the draws of the next mixture.</summary>
    public TrainingRandom Random { get; set; } = new(1);

    /// <summary>The bins drawn since the last call (one set per segment that held speech).</summary>
    public List<RefinerSamples> TakeDrawn()
    {
        var drawn = _drawn.ToList();
        _drawn.Clear();
        return drawn;
    }

    public void OnSegment(int start, int length, OfflineMaskStages stages)
    {
        var clean = _stft.Analyze(Clean.AsSpan(start, length));
        var noisy = stages.Spectrum;
        int n = Math.Min(clean.Frames, stages.Frames) * stages.Bins;
        double speechEnergy = 0;
        for (int i = 0; i < n; i++) speechEnergy += (double)clean.Real[i] * clean.Real[i] + (double)clean.Imag[i] * clean.Imag[i];
        if (!(speechEnergy > 0) || n == 0) return; // no speech: nothing to score against
        var target = new float[n];
        var weight = new double[n];
        double error = 0;
        for (int i = 0; i < n; i++)
        {
            double p = (double)stages.Power[i] + 1e-12;
            double t = (clean.Real[i] * (double)noisy.Real[i] + clean.Imag[i] * (double)noisy.Imag[i]) / p;
            target[i] = (float)t;
            weight[i] = p / speechEnergy;
            double d = stages.FinalMask[i] - t;
            error += weight[i] * d * d;
        }
        double norm = 1 / Math.Max(error, 1e-3);
        var cumulative = new double[n];
        double total = 0;
        for (int i = 0; i < n; i++)
        {
            weight[i] *= norm;
            total += Math.Sqrt(weight[i]);
            cumulative[i] = total;
        }
        _features.Prepare(stages);
        var set = new RefinerSamples(samplesPerSegment);
        int bins = stages.Bins;
        for (int k = 0; k < samplesPerSegment; k++)
        {
            int i = Array.BinarySearch(cumulative, Random.NextDouble() * total);
            if (i < 0) i = ~i;
            i = Math.Min(i, n - 1);
            _features.WriteBin(i / bins, i % bins, set.Inputs.AsSpan(k * MaskRefinerFeatures.Count, MaskRefinerFeatures.Count));
            set.Final[k] = stages.FinalMask[i];
            set.Transient[k] = stages.TransientGain[i];
            set.Target[k] = target[i];
            // w / P(i) with P(i) = √w / total, per bin of the segment
            set.Weight[k] = (float)(Math.Sqrt(weight[i]) * total / n);
        }
        _drawn.Add(set);
    }
}
