using System.Numerics.Tensors;

namespace RealtimeDenoise.Enhancement;

/// <summary>
/// A per-bin gain e_f on the speech variance, s_fn ~ N_c(0, g_n·e_f·σ²_f(z_n)): what the decoder's smooth envelopes cannot
/// draw for this recording (a notch, a narrow resonance, bins where the speech model claims more than is there); a broad
/// colouring is the latent's business, and it takes it. The M-step is the multiplicative Itakura–Saito update
/// e_f ← e_f·√(Σ g·s·p/V² / Σ g·s/V) over the frames and kept samples (s the equalised variance, V = g·s + noise), whose
/// fixed point, with or without noise, is the true colouring. Each update is normalised to a geometric mean of 1 over
/// the live bins (the level is the gains g_n's) and kept within −<c>cutDb</c> … +<c>boostDb</c>: a bin that may rise far
/// lets the speech model take noise bursts that the NMF has not learnt (measured on a storm recording). Not thread-safe.
/// </summary>
internal sealed class SpeechEqualizer
{
    private readonly float[] _gains, _numerator, _denominator, _change, _share;
    private readonly float _lowest, _highest;

    public SpeechEqualizer(int bins, float cutDb, float boostDb)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bins);
        if (!(cutDb >= 0) || !(boostDb >= 0) || float.IsInfinity(cutDb) || float.IsInfinity(boostDb))
            throw new ArgumentOutOfRangeException(nameof(cutDb), "The equaliser's cut and boost must be finite and ≥ 0 dB.");
        _gains = new float[bins];
        _numerator = new float[bins];
        _denominator = new float[bins];
        _change = new float[bins];
        _share = new float[bins];
        _lowest = MathF.Pow(10f, -cutDb / 10f);
        _highest = MathF.Pow(10f, boostDb / 10f);
        Reset();
    }

    /// <summary>e_f, the factor on each bin's speech variance (power, not amplitude).</summary>
    public ReadOnlySpan<float> Gains => _gains;

    /// <summary>e = 1 and no statistics: the speech model as learnt.</summary>
    public void Reset()
    {
        Array.Fill(_gains, 1f);
        ClearStatistics();
    }

    /// <summary>Multiplies one frame's speech variances by e.</summary>
    public void Apply(Span<float> speech) => TensorPrimitives.Multiply(speech, _gains, speech);

    /// <summary>Starts the sums of an M-step.</summary>
    public void ClearStatistics()
    {
        Array.Clear(_numerator);
        Array.Clear(_denominator);
    }

    /// <summary>
    /// Adds one frame and sample: <paramref name="speech"/> the equalised variances s, <paramref name="gain"/> g,
    /// <paramref name="noise"/> the noise variances, <paramref name="power"/> |x|², variances floored at <paramref name="floor"/>.
    /// </summary>
    public void Accumulate(ReadOnlySpan<float> speech, float gain, ReadOnlySpan<float> noise, ReadOnlySpan<float> power, float floor)
    {
        // share = g·s/V, then Σ share·p/V and Σ share; _change is scratch until Update.
        var total = _change.AsSpan();
        var share = _share.AsSpan();
        TensorPrimitives.Multiply(speech, gain, share);
        TensorPrimitives.Add(share, noise, total);
        TensorPrimitives.Max(total, floor, total);
        TensorPrimitives.Divide(share, total, share);
        TensorPrimitives.Add(_denominator, share, _denominator);
        TensorPrimitives.Divide(power, total, total);
        TensorPrimitives.MultiplyAdd(share, total, _numerator, _numerator);
    }

    /// <summary>
    /// Applies the update from the sums; <paramref name="binWeight"/> marks the live bins (0: dead, left out of the
    /// normalisation). Returns the factor by which each bin's e changed, for variances that were equalised before.
    /// </summary>
    public ReadOnlySpan<float> Update(ReadOnlySpan<float> binWeight)
    {
        double logSum = 0;
        int live = 0;
        for (int f = 0; f < _gains.Length; f++)
        {
            float ratio = _denominator[f] > 0 && _numerator[f] >= 0 ? MathF.Sqrt(_numerator[f] / _denominator[f]) : 1f;
            _change[f] = MathF.Max(_gains[f] * ratio, 1e-30f);
            if (binWeight[f] > 0)
            {
                logSum += Math.Log(_change[f]);
                live++;
            }
        }
        float norm = live > 0 ? (float)Math.Exp(-logSum / live) : 1f;
        for (int f = 0; f < _gains.Length; f++)
        {
            float updated = Math.Clamp(_change[f] * norm, _lowest, _highest);
            _change[f] = updated / _gains[f];
            _gains[f] = updated;
        }
        return _change;
    }
}
