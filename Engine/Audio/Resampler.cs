using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace RealtimeDenoise.Audio;

/// <summary>
/// Band-limited sample-rate converter: a Kaiser-windowed sinc low-pass run as a polyphase filter
/// for the rational ratio L/M = toRate/fromRate in lowest terms. The pass band reaches
/// 0.9 × the Nyquist frequency of the lower rate; the stop band starts at that Nyquist frequency
/// with ≥ 80 dB attenuation (designed for 96 dB), so nothing aliases or images above it.
/// <para>
/// Streaming: <see cref="Process"/> accepts blocks of any size and the output does not depend
/// on how the input was split; it allocates nothing after construction. Two timings:
/// <list type="bullet">
/// <item>causal (constructor): output starts at once and is delayed by exactly
/// <see cref="DelayInputSamples"/> input samples (the filter's half length): output sample n
/// estimates the input at time n·from/to − DelayInputSamples. For live audio.</item>
/// <item>aligned (<see cref="CreateAligned"/>): output sample n estimates the input at time
/// n·from/to; the first outputs wait for DelayInputSamples of look-ahead, and
/// <see cref="Flush"/> at the end brings the total to round(inputLength·to/from). For files; it
/// gives exactly what <see cref="ResampleAligned"/> gives for the whole signal.</item>
/// </list>
/// Equal rates pass through unchanged with no delay. Mono; run one instance per channel.
/// </para>
/// </summary>
public sealed class Resampler
{
    /// <summary>Pass-band edge as a fraction of the lower rate's Nyquist frequency.</summary>
    public const double PassbandEdge = 0.9;

    /// <summary>Design stop-band attenuation in dB (the requirement is 80; the margin covers the Kaiser length estimate).</summary>
    public const double DesignAttenuationDb = 96;

    private const int ChunkSamples = 4096;
    private const long MaxTableSize = 1 << 23;

    private readonly int _up;          // L
    private readonly int _down;        // M
    private readonly int _taps;        // T: coefficients per phase
    private readonly float[] _coefficients; // L phases × T taps, each phase ordered oldest → newest input
    private readonly float[] _buffer;  // history + pending input
    private readonly int _stepWhole;   // M / L
    private readonly int _stepFraction; // M % L
    private int _filled;
    private int _windowStart; // buffer index of the oldest input sample the next output needs
    private int _phase;       // polyphase branch of the next output
    private readonly bool _aligned;
    private long _inputCount;  // since Reset: Flush needs it to know how many outputs are owed
    private long _outputCount;

    /// <summary>Creates a causal converter from <paramref name="fromRate"/> to <paramref name="toRate"/> Hz (delayed by <see cref="DelayInputSamples"/>).</summary>
    public Resampler(int fromRate, int toRate)
        : this(fromRate, toRate, alignToInput: false)
    {
    }

    /// <summary>Creates a converter whose output is time aligned with its input (no delay; look-ahead instead).</summary>
    public static Resampler CreateAligned(int fromRate, int toRate) => new(fromRate, toRate, alignToInput: true);

    private Resampler(int fromRate, int toRate, bool alignToInput)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(fromRate, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(toRate, 1);
        FromRate = fromRate;
        ToRate = toRate;
        _aligned = alignToInput;
        int g = Gcd(fromRate, toRate);
        _up = toRate / g;
        _down = fromRate / g;
        _stepWhole = _down / _up;
        _stepFraction = _down % _up;
        if (IsIdentity)
        {
            _coefficients = [];
            _buffer = [];
            return;
        }

        // Kaiser design (Oppenheim & Schafer): transition width Δ = (1 − PassbandEdge) of the lower Nyquist.
        double lowRate = Math.Min(fromRate, toRate);
        double transitionHz = (1 - PassbandEdge) * lowRate / 2;
        double beta = 0.1102 * (DesignAttenuationDb - 8.7);
        double lengthInInputSamples = (DesignAttenuationDb - 7.95) / (2.285 * 2 * Math.PI * transitionHz / fromRate);
        int half = (int)Math.Ceiling(lengthInInputSamples / 2); // D: half length in input samples
        DelayInputSamples = half;
        // 2D + 1 taps, padded with zeros at the oldest end to whole SIMD vectors (no scalar tail in Dot).
        _taps = (2 * half + 1 + Vector<float>.Count - 1) / Vector<float>.Count * Vector<float>.Count;
        if ((long)_up * _taps > MaxTableSize)
            throw new ArgumentException($"rate ratio {toRate}/{fromRate} reduces to {_up}/{_down}: too many polyphase branches");

        // Prototype at rate L·from, length K = 2·D·L + 1, centred on D·L so the delay is D input samples exactly.
        long center = (long)half * _up;
        double cutoff = (1 - (1 - PassbandEdge) / 2) * lowRate / 2 / ((double)fromRate * _up); // cycles per prototype sample
        double i0Beta = BesselI0(beta);
        _coefficients = new float[_up * _taps];
        double total = 0;
        var proto = new double[_up * _taps];
        for (int phase = 0; phase < _up; phase++)
        {
            for (int j = 0; j < _taps; j++)
            {
                // Branch r multiplies input x[q − i] by h[r + i·L]; tap j = T − 1 − i (oldest first).
                long k = phase + (long)(_taps - 1 - j) * _up;
                if (k > 2 * center) continue;
                double t = k - center;
                double sinc = t == 0 ? 2 * cutoff : Math.Sin(2 * Math.PI * cutoff * t) / (Math.PI * t);
                double r = t / center;
                double window = BesselI0(beta * Math.Sqrt(Math.Max(0, 1 - r * r))) / i0Beta;
                proto[phase * _taps + j] = sinc * window;
                total += proto[phase * _taps + j];
            }
        }
        // Unit DC gain overall: the L branches together sum to L (zero-stuffing costs a factor L).
        for (int i = 0; i < proto.Length; i++) _coefficients[i] = (float)(proto[i] * _up / total);

        _buffer = new float[_taps + ChunkSamples];
        Reset();
    }

    public int FromRate { get; }

    public int ToRate { get; }

    /// <summary>True for a converter made by <see cref="CreateAligned"/>.</summary>
    public bool IsAligned => _aligned;

    /// <summary>toRate / fromRate in lowest terms: L (numerator).</summary>
    public int UpFactor => _up;

    /// <summary>toRate / fromRate in lowest terms: M (denominator).</summary>
    public int DownFactor => _down;

    public bool IsIdentity => _up == _down;

    /// <summary>Coefficients per output sample (filter cost).</summary>
    public int TapsPerPhase => IsIdentity ? 0 : _taps;

    /// <summary>Delay of <see cref="Process"/> in input samples (exact, an integer).</summary>
    public int DelayInputSamples { get; }

    /// <summary>Delay of <see cref="Process"/> in output samples (DelayInputSamples × to / from; may be fractional).</summary>
    public double DelayOutputSamples => (double)DelayInputSamples * _up / _down;

    /// <summary>Most output samples one <see cref="Process"/> call on <paramref name="inputLength"/> samples can produce.</summary>
    public int MaxOutputLength(int inputLength) => (int)(((long)inputLength * _up + _down - 1) / _down) + 1;

    /// <summary>Most output samples <see cref="Flush"/> can produce.</summary>
    public int MaxFlushLength => IsIdentity ? 0 : (int)Math.Ceiling(DelayOutputSamples) + 2;

    /// <summary>Clears the history: the next input starts a new stream (same timing as before).</summary>
    public void Reset()
    {
        _inputCount = 0;
        _outputCount = 0;
        if (IsIdentity) return;
        // The buffer starts with T − 1 zeros standing for the input before the stream began.
        Array.Clear(_buffer);
        _filled = _taps - 1;
        // The first output needs the input sample at prototype time `offset`: 0 for the causal
        // stream, D·L (the filter centre) for the aligned one.
        long offset = _aligned ? (long)DelayInputSamples * _up : 0;
        _windowStart = (int)(offset / _up);
        _phase = (int)(offset % _up);
    }

    /// <summary>
    /// Ends the stream: feeds silence through the filter and writes the outputs still owed, so
    /// that the total output is round(input·to/from) samples (aligned) or that plus the delay
    /// rounded, round(DelayOutputSamples) (causal). <paramref name="output"/> must hold
    /// <see cref="MaxFlushLength"/> samples. Call <see cref="Reset"/> before reusing. Allocation free.
    /// </summary>
    public int Flush(Span<float> output)
    {
        long target = (_inputCount * _up * 2 + _down) / (2L * _down);
        if (!_aligned) target += (long)Math.Round(DelayOutputSamples);
        int owed = (int)Math.Max(0, target - _outputCount);
        if (owed > output.Length)
            throw new ArgumentException($"output holds {output.Length} samples, {owed} are owed", nameof(output));
        int written = 0;
        while (written < owed)
        {
            // Silence after the input, a chunk at a time; Drain stops when the window passes the buffer end.
            int n = _buffer.Length - _filled;
            _buffer.AsSpan(_filled, n).Clear();
            _filled += n;
            written += Drain(output[written..], owed - written);
        }
        _outputCount += written;
        return written;
    }

    /// <summary>
    /// Converts a block; returns the number of samples written to <paramref name="output"/>, which
    /// must hold at least <see cref="MaxOutputLength"/>(input.Length). Allocation free.
    /// </summary>
    public int Process(ReadOnlySpan<float> input, Span<float> output)
    {
        if (output.Length < MaxOutputLength(input.Length) && !(IsIdentity && output.Length >= input.Length))
            throw new ArgumentException($"output holds {output.Length} samples, up to {MaxOutputLength(input.Length)} may be produced", nameof(output));
        _inputCount += input.Length;
        if (IsIdentity)
        {
            input.CopyTo(output);
            _outputCount += input.Length;
            return input.Length;
        }

        int written = 0;
        while (!input.IsEmpty)
        {
            int n = Math.Min(input.Length, _buffer.Length - _filled);
            input[..n].CopyTo(_buffer.AsSpan(_filled));
            _filled += n;
            input = input[n..];
            written += Drain(output[written..], int.MaxValue);
        }
        _outputCount += written;
        return written;
    }

    /// <summary>
    /// Resamples a whole signal with the filter delay removed: output sample n estimates the input
    /// at time n·from/to, and the output has round(length·to/from) samples.
    /// </summary>
    public static float[] ResampleAligned(ReadOnlySpan<float> input, int fromRate, int toRate)
    {
        var resampler = CreateAligned(fromRate, toRate);
        if (resampler.IsIdentity) return input.ToArray();
        var output = new float[resampler.MaxOutputLength(input.Length) + resampler.MaxFlushLength];
        int n = resampler.Process(input, output);
        n += resampler.Flush(output.AsSpan(n));
        return n == output.Length ? output : output[..n];
    }

    private int Drain(Span<float> output, int limit)
    {
        int written = 0;
        ReadOnlySpan<float> coefficients = _coefficients;
        ReadOnlySpan<float> buffer = _buffer;
        while (_windowStart + _taps <= _filled && written < limit)
        {
            output[written++] = Dot(coefficients.Slice(_phase * _taps, _taps), buffer.Slice(_windowStart, _taps));
            _windowStart += _stepWhole;
            _phase += _stepFraction;
            if (_phase >= _up)
            {
                _phase -= _up;
                _windowStart++;
            }
        }
        // Keep only what later outputs can still need.
        int drop = Math.Min(_windowStart, _filled);
        _buffer.AsSpan(drop, _filled - drop).CopyTo(_buffer);
        _filled -= drop;
        _windowStart -= drop;
        return written;
    }

    /// <summary>Dot product with a fixed summation order, so results never depend on memory alignment.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        int i = 0, n = a.Length;
        float sum = 0;
        if (Vector.IsHardwareAccelerated && n >= 2 * Vector<float>.Count)
        {
            var va = MemoryMarshal.Cast<float, Vector<float>>(a);
            var vb = MemoryMarshal.Cast<float, Vector<float>>(b);
            Vector<float> acc0 = Vector<float>.Zero, acc1 = Vector<float>.Zero;
            int v = 0;
            for (; v + 1 < va.Length; v += 2)
            {
                acc0 += va[v] * vb[v];
                acc1 += va[v + 1] * vb[v + 1];
            }
            if (v < va.Length) acc0 += va[v] * vb[v];
            sum = Vector.Sum(acc0 + acc1);
            i = va.Length * Vector<float>.Count;
        }
        for (; i < n; i++) sum += a[i] * b[i];
        return sum;
    }

    private static double BesselI0(double x)
    {
        // Power series; converges quickly for the β ≤ 12 used here.
        double sum = 1, term = 1, half = x / 2;
        for (int k = 1; k < 200; k++)
        {
            term *= half / k;
            double t2 = term * term;
            sum += t2;
            if (t2 < sum * 1e-17) break;
        }
        return sum;
    }

    private static int Gcd(int a, int b)
    {
        while (b != 0) (a, b) = (b, a % b);
        return a;
    }
}
