namespace RealtimeDenoise.Dsp;

/// <summary>
/// Splits a signal, sample by sample, into frequency bands that add up to it exactly and with no delay: a cascade of
/// second-order Butterworth lowpasses, where band k is the part below crossover k of what the bands before it left,
/// and the last band is the rest. The bands overlap around each crossover (12 dB per octave) and their phases are not
/// linear, but since they are complementary, gains of 1 on every band give back the input (up to float rounding). No allocation after construction. Not thread-safe: one instance per signal.
/// </summary>
public sealed class BandSplitter
{
    private readonly float[] _b0, _b1, _b2, _a1, _a2; // per crossover, normalised (a0 = 1)
    private readonly float[] _x1, _x2, _y1, _y2;     // per crossover, direct form I state

    /// <param name="sampleRate">Sample rate of the signal.</param>
    /// <param name="crossoversHz">Crossover frequencies, ascending, each in (0, Nyquist); empty: one band, the signal itself.</param>
    public BandSplitter(int sampleRate, ReadOnlySpan<float> crossoversHz)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleRate);
        int n = crossoversHz.Length;
        for (int k = 0; k < n; k++)
        {
            float fc = crossoversHz[k];
            if (!(fc > 0 && fc < 0.5f * sampleRate))
                throw new ArgumentOutOfRangeException(nameof(crossoversHz), fc, $"Crossover frequencies must lie between 0 and {0.5f * sampleRate} Hz.");
            if (k > 0 && !(fc > crossoversHz[k - 1]))
                throw new ArgumentException("Crossover frequencies must be ascending.", nameof(crossoversHz));
        }
        Bands = n + 1;
        _b0 = new float[n]; _b1 = new float[n]; _b2 = new float[n]; _a1 = new float[n]; _a2 = new float[n];
        _x1 = new float[n]; _x2 = new float[n]; _y1 = new float[n]; _y2 = new float[n];
        for (int k = 0; k < n; k++)
        {
            // Bilinear-transform Butterworth lowpass (Q = 1/√2) with the cutoff prewarped.
            double w0 = 2 * Math.PI * crossoversHz[k] / sampleRate, alpha = Math.Sin(w0) / Math.Sqrt(2), cos = Math.Cos(w0), a0 = 1 + alpha;
            _b0[k] = (float)((1 - cos) / 2 / a0);
            _b1[k] = (float)((1 - cos) / a0);
            _b2[k] = _b0[k];
            _a1[k] = (float)(-2 * cos / a0);
            _a2[k] = (float)((1 - alpha) / a0);
        }
    }

    /// <summary>Number of bands: crossovers + 1.</summary>
    public int Bands { get; }

    /// <summary>Writes the next sample's <see cref="Bands"/> band values, lowest first; they sum to <paramref name="x"/>.</summary>
    public void Split(float x, Span<float> bands)
    {
        float rest = x;
        for (int k = 0; k < _b0.Length; k++)
        {
            float low = _b0[k] * rest + _b1[k] * _x1[k] + _b2[k] * _x2[k] - _a1[k] * _y1[k] - _a2[k] * _y2[k];
            _x2[k] = _x1[k];
            _x1[k] = rest;
            _y2[k] = _y1[k];
            _y1[k] = low;
            bands[k] = low;
            rest -= low;
        }
        bands[_b0.Length] = rest;
    }

    /// <summary>Forgets the signal so far.</summary>
    public void Reset()
    {
        Array.Clear(_x1);
        Array.Clear(_x2);
        Array.Clear(_y1);
        Array.Clear(_y2);
    }
}
