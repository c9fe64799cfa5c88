using RealtimeDenoise.Audio;
using RealtimeDenoise.Dsp;

namespace RealtimeDenoise.Metrics;

/// <summary>
/// Short-Time Objective Intelligibility (Taal, Hendriks, Heusdens, Jensen, IEEE TASLP 2011), following the
/// authors' reference implementation: resample to 10 kHz (Engine/Audio <see cref="Resampler"/>, delay-compensated); 256-sample Hann frames (MATLAB <c>hanning</c>,
/// i.e. without zero end points) with 50 % overlap; frames more than 40 dB below the loudest clean frame
/// are removed from both signals; 512-point FFT; 15 one-third-octave bands from 150 Hz; 30-frame (384 ms)
/// segments sliding one frame at a time; the processed envelope is normalised to the clean one and clipped
/// at a −15 dB signal-to-distortion bound (β = −15); the score is the band-wise correlation averaged over
/// bands and segments. The result lies in [−1, 1] (≈1 for identical signals).
/// </summary>
public static class Stoi
{
    public const int SampleRate = 10000;
    public const int FrameLength = 256;
    public const int FftSize = 512;
    public const int BandCount = 15;
    public const double LowestCentreHz = 150;
    public const int SegmentFrames = 30;
    public const double ClippingDb = -15;       // β
    public const double DynamicRangeDb = 40;    // silent-frame removal

    private const int Hop = FrameLength / 2;
    private const double Eps = 2.220446049250313e-16; // double machine epsilon, as in the reference

    private static readonly float[] HannWindow = MatlabHann(FrameLength);
    private static readonly (int Low, int High)[] Bands = ThirdOctaveBands();

    /// <summary>
    /// STOI of <paramref name="processed"/> against <paramref name="clean"/> (same length, at <paramref name="sampleRate"/> Hz).
    /// </summary>
    /// <exception cref="ArgumentException">Lengths differ, the clean signal is all zeros, or fewer than 30 non-silent frames (about 0.4 s of speech) remain.</exception>
    public static double Compute(ReadOnlySpan<float> clean, ReadOnlySpan<float> processed, int sampleRate)
    {
        if (clean.Length != processed.Length)
            throw new ArgumentException($"STOI: clean has {clean.Length} samples, processed {processed.Length}; trim them to the same length first.");
        if (sampleRate <= 0) throw new ArgumentException($"STOI: sample rate must be positive, got {sampleRate}.", nameof(sampleRate));

        if (!clean.ContainsAnyExcept(0f))
            throw new ArgumentException("STOI: the clean reference is silent (all zeros), so intelligibility is undefined.");

        float[] x = Resampler.ResampleAligned(clean, sampleRate, SampleRate);
        float[] y = Resampler.ResampleAligned(processed, sampleRate, SampleRate);
        (x, y) = RemoveSilentFrames(x, y);

        double[,] xBands = BandEnvelopes(x), yBands = BandEnvelopes(y); // [band, frame]
        int frames = xBands.GetLength(1);
        if (frames < SegmentFrames)
            throw new ArgumentException($"STOI: only {frames} non-silent frames remain (need {SegmentFrames}, about 0.4 s of speech); the signal is too short or silent.");

        double clip = Math.Pow(10, -ClippingDb / 20);
        var xs = new double[SegmentFrames];
        var ys = new double[SegmentFrames];
        double total = 0;
        int segments = 0;
        for (int end = SegmentFrames; end <= frames; end++, segments++)
        {
            int start = end - SegmentFrames;
            double segmentSum = 0;
            for (int b = 0; b < BandCount; b++)
            {
                double xx = 0, yy = 0;
                for (int j = 0; j < SegmentFrames; j++)
                {
                    xs[j] = xBands[b, start + j];
                    ys[j] = yBands[b, start + j];
                    xx += xs[j] * xs[j];
                    yy += ys[j] * ys[j];
                }
                // Normalise the processed envelope to the clean energy, then clip it at −β dB above the clean one.
                double alpha = Math.Sqrt(xx / (yy + Eps));
                for (int j = 0; j < SegmentFrames; j++) ys[j] = Math.Min(ys[j] * alpha, xs[j] * (1 + clip));
                segmentSum += Correlation(xs, ys);
            }
            total += segmentSum / BandCount;
        }
        return total / segments;
    }

    private static double Correlation(double[] a, double[] b)
    {
        double meanA = 0, meanB = 0;
        for (int j = 0; j < a.Length; j++) { meanA += a[j]; meanB += b[j]; }
        meanA /= a.Length;
        meanB /= b.Length;
        double ab = 0, aa = 0, bb = 0;
        for (int j = 0; j < a.Length; j++)
        {
            double da = a[j] - meanA, db = b[j] - meanB;
            ab += da * db;
            aa += da * da;
            bb += db * db;
        }
        return ab / (Math.Sqrt(aa) * Math.Sqrt(bb) + Eps);
    }

    /// <summary>Frame starts 0, hop, … strictly below length − 256 (the reference code's <c>1:K:(length(x)−N)</c>).</summary>
    private static int FrameCount(int length) => length <= FrameLength ? 0 : (length - FrameLength + Hop - 1) / Hop;

    /// <summary>
    /// Drops frames whose clean energy is more than 40 dB below the loudest clean frame, from both signals,
    /// and overlap-adds the remaining windowed frames back into two shorter signals.
    /// </summary>
    private static (float[] Clean, float[] Processed) RemoveSilentFrames(float[] x, float[] y)
    {
        int count = FrameCount(x.Length);
        var energyDb = new double[count];
        double maxDb = double.NegativeInfinity;
        for (int f = 0; f < count; f++)
        {
            double e = 0;
            for (int i = 0; i < FrameLength; i++)
            {
                double v = (double)x[f * Hop + i] * HannWindow[i];
                e += v * v;
            }
            energyDb[f] = 20 * Math.Log10(Math.Sqrt(e) + Eps);
            maxDb = Math.Max(maxDb, energyDb[f]);
        }
        int kept = 0;
        for (int f = 0; f < count; f++) if (energyDb[f] > maxDb - DynamicRangeDb) kept++;
        int length = kept > 0 ? (kept - 1) * Hop + FrameLength : 0;
        var xOut = new float[length];
        var yOut = new float[length];
        int k = 0;
        for (int f = 0; f < count; f++)
        {
            if (!(energyDb[f] > maxDb - DynamicRangeDb)) continue;
            for (int i = 0; i < FrameLength; i++)
            {
                xOut[k * Hop + i] += x[f * Hop + i] * HannWindow[i];
                yOut[k * Hop + i] += y[f * Hop + i] * HannWindow[i];
            }
            k++;
        }
        return (xOut, yOut);
    }

    /// <summary>One-third-octave band magnitudes sqrt(Σ_{k∈band} |X_k|²) of each Hann-windowed frame: [band, frame].</summary>
    private static double[,] BandEnvelopes(float[] signal)
    {
        int count = FrameCount(signal.Length);
        var result = new double[BandCount, count];
        var fft = new RealFft(FftSize);
        var frame = new float[FftSize]; // samples 256..511 stay zero: the FFT is zero-padded
        var re = new float[fft.Bins];
        var im = new float[fft.Bins];
        for (int f = 0; f < count; f++)
        {
            for (int i = 0; i < FrameLength; i++) frame[i] = signal[f * Hop + i] * HannWindow[i];
            fft.Forward(frame, re, im);
            for (int b = 0; b < BandCount; b++)
            {
                double power = 0;
                for (int k = Bands[b].Low; k < Bands[b].High; k++) power += (double)re[k] * re[k] + (double)im[k] * im[k];
                result[b, f] = Math.Sqrt(power);
            }
        }
        return result;
    }

    /// <summary>
    /// FFT bin ranges [Low, High) of the 15 bands: band i (centre 150·2^(i/3) Hz) spans from the bin nearest to
    /// 150·2^((2i−1)/6) Hz up to, excluding, the bin nearest to 150·2^((2i+1)/6) Hz.
    /// </summary>
    private static (int, int)[] ThirdOctaveBands()
    {
        var bands = new (int, int)[BandCount];
        for (int i = 0; i < BandCount; i++)
        {
            double low = LowestCentreHz * Math.Pow(2, (2.0 * i - 1) / 6);
            double high = LowestCentreHz * Math.Pow(2, (2.0 * i + 1) / 6);
            bands[i] = (NearestBin(low), NearestBin(high));
        }
        return bands;
    }

    private static int NearestBin(double hz)
    {
        int best = 0;
        double bestDistance = double.PositiveInfinity;
        for (int k = 0; k <= FftSize / 2; k++)
        {
            double d = Math.Abs((double)k * SampleRate / FftSize - hz);
            if (d < bestDistance) { bestDistance = d; best = k; } // first minimum wins, like argmin
        }
        return best;
    }

    /// <summary>MATLAB <c>hanning(n)</c>: 0.5 − 0.5·cos(2π(i+1)/(n+1)), i = 0..n−1 (symmetric, no zero end points).</summary>
    private static float[] MatlabHann(int n)
    {
        var w = new float[n];
        for (int i = 0; i < n; i++) w[i] = (float)(0.5 - 0.5 * Math.Cos(2 * Math.PI * (i + 1) / (n + 1)));
        return w;
    }
}
