namespace RealtimeDenoise.Dsp;

/// <summary>
/// Whole-signal STFT analysis and overlap-add synthesis with periodic sqrt-Hann windows.
/// Frame n covers samples [n·hop − (n_fft − hop), n·hop + hop), i.e. the signal is padded with
/// n_fft − hop zeros in front, so that every sample is covered by the full set of overlapping
/// frames; <see cref="Synthesize"/> returns a signal aligned with the input (zero delay).
/// The streaming form produces the same samples, <see cref="StftConfig.LatencySamples"/> later.
/// </summary>
public sealed class Stft
{
    private readonly RealFft _fft;
    private readonly float[] _window;
    private readonly float[] _frame;
    private readonly float _synthesisScale;

    public Stft(StftConfig config)
    {
        config.Validate();
        Config = config;
        _fft = new RealFft(config.FftSize);
        _window = Window.SqrtHann(config.FftSize);
        _frame = new float[config.FftSize];
        _synthesisScale = 1f / Window.OverlapGain(_window, _window, config.HopSize);
    }

    public StftConfig Config { get; }

    /// <summary>Frames produced for a signal of <paramref name="samples"/> samples: ⌈(samples + n_fft − hop)/hop⌉.</summary>
    public int FrameCount(int samples)
    {
        int padded = samples + Config.FftSize - Config.HopSize;
        return (padded + Config.HopSize - 1) / Config.HopSize;
    }

    public Spectrogram Analyze(ReadOnlySpan<float> signal)
    {
        int n = Config.FftSize, hop = Config.HopSize, lead = n - hop;
        var spec = new Spectrogram(FrameCount(signal.Length), Config.Bins);
        for (int t = 0; t < spec.Frames; t++)
        {
            int start = t * hop - lead;
            for (int i = 0; i < n; i++)
            {
                int s = start + i;
                _frame[i] = (uint)s < (uint)signal.Length ? signal[s] * _window[i] : 0f;
            }
            _fft.Forward(_frame, spec.RealFrame(t), spec.ImagFrame(t));
        }
        return spec;
    }

    /// <summary>Overlap-add resynthesis of <paramref name="samples"/> samples aligned with the analysed input.</summary>
    public float[] Synthesize(Spectrogram spec, int samples)
    {
        if (spec.Bins != Config.Bins) throw new ArgumentException($"Spectrogram has {spec.Bins} bins, STFT expects {Config.Bins}.");
        int n = Config.FftSize, hop = Config.HopSize, lead = n - hop;
        var output = new float[samples];
        for (int t = 0; t < spec.Frames; t++)
        {
            _fft.Inverse(spec.RealFrame(t), spec.ImagFrame(t), _frame);
            int start = t * hop - lead;
            for (int i = 0; i < n; i++)
            {
                int s = start + i;
                if ((uint)s < (uint)samples) output[s] += _frame[i] * _window[i] * _synthesisScale;
            }
        }
        return output;
    }
}
