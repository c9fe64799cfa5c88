using System.Numerics.Tensors;

namespace RealtimeDenoise.Dsp;

/// <summary>
/// Whole-signal STFT analysis and overlap-add synthesis with periodic sqrt-Hann windows.
/// Frame n covers samples [n·hop − (n_fft − hop), n·hop + hop), i.e. the signal is padded with
/// n_fft − hop zeros in front, so that every sample is covered by the full set of overlapping
/// frames; <see cref="Synthesize(Spectrogram, int)"/> returns a signal aligned with the input (zero delay).
/// <see cref="StreamingStft"/> produces the same samples, <see cref="StreamingStft.LatencySamples"/> later.
/// The overloads that take a destination do not allocate. Not thread-safe (one scratch frame per instance).
/// </summary>
public sealed class Stft
{
    private readonly RealFft _fft;
    private readonly float[] _analysisWindow, _synthesisWindow;
    private readonly float[] _frame;

    public Stft(StftConfig config)
    {
        config.Validate();
        Config = config;
        _fft = new RealFft(config.FftSize);
        _analysisWindow = StftWindows.Analysis(config.FftSize);
        _synthesisWindow = StftWindows.Synthesis(config.FftSize, config.HopSize);
        _frame = new float[config.FftSize];
    }

    public StftConfig Config { get; }

    /// <summary>Frames produced for a signal of <paramref name="samples"/> samples: ⌈(samples + n_fft − hop)/hop⌉.</summary>
    public int FrameCount(int samples)
    {
        if (samples < 0) throw new ArgumentOutOfRangeException(nameof(samples), $"Sample count must be ≥ 0, got {samples}.");
        int padded = samples + Config.FftSize - Config.HopSize;
        return (padded + Config.HopSize - 1) / Config.HopSize;
    }

    public Spectrogram Analyze(ReadOnlySpan<float> signal)
    {
        var spec = new Spectrogram(FrameCount(signal.Length), Config.Bins);
        Analyze(signal, spec);
        return spec;
    }

    /// <summary>Analyses into <paramref name="destination"/>, which must have exactly <see cref="FrameCount"/> frames.</summary>
    public void Analyze(ReadOnlySpan<float> signal, Spectrogram destination)
    {
        int frames = FrameCount(signal.Length);
        if (destination.Bins != Config.Bins || destination.Frames != frames)
            throw new ArgumentException($"Destination spectrogram is {destination.Frames}×{destination.Bins}, a {signal.Length}-sample signal needs {frames}×{Config.Bins}.", nameof(destination));
        for (int t = 0; t < frames; t++) AnalyzeFrame(signal, t, destination.RealFrame(t), destination.ImagFrame(t));
    }

    /// <summary>Overlap-add resynthesis of <paramref name="samples"/> samples aligned with the analysed input.</summary>
    public float[] Synthesize(Spectrogram spec, int samples)
    {
        if (samples < 0) throw new ArgumentOutOfRangeException(nameof(samples), $"Sample count must be ≥ 0, got {samples}.");
        var output = new float[samples];
        Synthesize(spec, output);
        return output;
    }

    /// <summary>
    /// Overlap-add resynthesis into <paramref name="output"/> (overwritten), aligned with the analysed input; frames that
    /// reach beyond the output are cut off, missing frames count as silence.
    /// </summary>
    public void Synthesize(Spectrogram spec, Span<float> output)
    {
        if (spec.Bins != Config.Bins) throw new ArgumentException($"Spectrogram has {spec.Bins} bins, STFT expects {Config.Bins}.", nameof(spec));
        output.Clear();
        for (int t = 0; t < spec.Frames; t++) SynthesizeFrame(spec.RealFrame(t), spec.ImagFrame(t), t, output);
    }

    /// <summary>
    /// Analysis → <paramref name="processor"/> → synthesis of a whole signal, output aligned with the input.
    /// The processor sees frames 0..F−1 followed by k silent frames (k = its lookahead) that flush its history,
    /// exactly as it would in <see cref="StreamingStft"/> fed the signal followed by silence.
    /// A null processor is identity. The processor is <see cref="ISpectralProcessor.Reset"/> first.
    /// </summary>
    public float[] Process(ReadOnlySpan<float> signal, ISpectralProcessor? processor)
    {
        var spec = Analyze(signal);
        if (processor is null) return Synthesize(spec, signal.Length);
        int k = processor.LookaheadFrames;
        if (k < 0) throw new ArgumentException($"Spectral processor lookahead must be ≥ 0 frames, got {k}.", nameof(processor));
        processor.Reset();
        var processed = new Spectrogram(spec.Frames, spec.Bins);
        var silence = new float[spec.Bins];
        var discardRe = new float[spec.Bins];
        var discardIm = new float[spec.Bins];
        for (int t = 0; t < spec.Frames + k; t++)
        {
            bool real = t < spec.Frames;
            bool keep = t >= k;
            processor.ProcessFrame(
                real ? spec.RealFrame(t) : silence, real ? spec.ImagFrame(t) : silence,
                keep ? processed.RealFrame(t - k) : discardRe, keep ? processed.ImagFrame(t - k) : discardIm);
        }
        return Synthesize(processed, signal.Length);
    }

    private void AnalyzeFrame(ReadOnlySpan<float> signal, int t, Span<float> real, Span<float> imag)
    {
        int n = Config.FftSize, start = t * Config.HopSize - (n - Config.HopSize);
        int lo = Math.Max(0, -start), hi = Math.Min(n, signal.Length - start);
        if (lo > 0 || hi < n) Array.Clear(_frame);
        if (hi > lo)
            TensorPrimitives.Multiply(signal.Slice(start + lo, hi - lo), _analysisWindow.AsSpan(lo, hi - lo), _frame.AsSpan(lo, hi - lo));
        _fft.Forward(_frame, real, imag);
    }

    private void SynthesizeFrame(ReadOnlySpan<float> real, ReadOnlySpan<float> imag, int t, Span<float> output)
    {
        int n = Config.FftSize, start = t * Config.HopSize - (n - Config.HopSize);
        int lo = Math.Max(0, -start), hi = Math.Min(n, output.Length - start);
        if (hi <= lo) return;
        _fft.Inverse(real, imag, _frame);
        var dest = output.Slice(start + lo, hi - lo);
        TensorPrimitives.MultiplyAdd(_frame.AsSpan(lo, hi - lo), _synthesisWindow.AsSpan(lo, hi - lo), dest, dest);
    }
}
