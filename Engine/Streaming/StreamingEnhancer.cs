using RealtimeDenoise.Dsp;
using RealtimeDenoise.Enhancement;
using RealtimeDenoise.Models;

namespace RealtimeDenoise.Streaming;

/// <summary>
/// The live enhancer: non-finite samples replaced (and counted), a <see cref="StreamingStft"/> around a
/// <see cref="VaeNmfFrameProcessor"/> whose models see the input through the <see cref="AnalysisClickGate"/> (a side
/// chain), then the <see cref="ClickSuppressor"/> on its output. Any block size; output
/// delayed by exactly <see cref="LatencySamples"/>; <see cref="Bypass"/> crossfades the mask and the gate's gain to 1
/// through the same path, so latency is unchanged and toggling does not click. With a companion model (e.g.
/// <see cref="ModelPackage.LoadCompanion"/>) a second <see cref="VaeNmfFrameProcessor"/> runs on the same frames and
/// <see cref="CompanionMix"/> mixes it in where the SNR is low (<see cref="StreamingOptions.CompanionWeight"/>); it costs
/// as much again. <see cref="Process"/> does not allocate, lock or do I/O. Not thread-safe. The models are
/// not owned: dispose them after this processor.
/// </summary>
public sealed class StreamingEnhancer : IStreamProcessor
{
    private const int ChunkSamples = 256;

    private readonly VaeNmfFrameProcessor _processor;
    private readonly VaeNmfFrameProcessor? _companion;
    private readonly StreamingStft _stft;
    private readonly ClickSuppressor? _clicks;
    private readonly float[] _chunk = new float[ChunkSamples];

    /// <param name="model">The speech model.</param>
    /// <param name="options">Settings; null: the defaults.</param>
    /// <param name="companion">A second speech model with the same STFT (null: none), mixed in at low SNR by <see cref="CompanionMix"/>.</param>
    public StreamingEnhancer(IVarianceModel model, StreamingOptions? options = null, IVarianceModel? companion = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var card = model.Card;
        options ??= new StreamingOptions();
        _processor = new VaeNmfFrameProcessor(model, options);
        ISideChainSpectralProcessor spectral = _processor;
        if (companion != null && options.CompanionWeight > 0)
        {
            CompanionMix.CheckCompanion(model, companion, nameof(companion));
            _companion = new VaeNmfFrameProcessor(companion, options);
            spectral = new CompanionMix(_processor, _companion, model.Bins, card.HopSize, card.SampleRate, options.CompanionWeight);
        }
        var config = new StftConfig(card.FftSize, card.HopSize, card.SampleRate);
        // Where the spectral TransientSuppressor runs (lookahead ≥ 4) the analysis gate steps aside too: together they
        // measured 5.70 dB on dev-test against 5.94 with the suppressor alone (two seeds).
        if (options.AnalysisClickLimitDb is { } analysisLimit && !_processor.SuppressesTransients)
        {
            var gate = new AnalysisClickGate(card.SampleRate, AnalysisClickGate.BlockFor(card.HopSize), analysisLimit, options.ClickCrossoversHz);
            _stft = new StreamingStft(config, spectral, gate);
        }
        else _stft = new StreamingStft(config, spectral);
        SampleRate = card.SampleRate;
        // With lookahead for the spectral TransientSuppressor the gate is not needed, and together they cut clean speech
        // too much (measured at lookahead 4: worst of the 24 dev-test clean files 20.3 → 19.2 dB SI-SDR).
        if (options.ClickLimitDb is { } limit && !_processor.SuppressesTransients)
        {
            var clicks = new ClickSuppressor(SampleRate, _stft.LatencySamples, limit, options.MaxAttenuationDb, options.BypassFadeFrames * card.HopSize, options.ClickCrossoversHz);
            if (clicks.IsActive) _clicks = clicks;
        }
    }

    public int SampleRate { get; }

    /// <summary>n_fft − 1 + lookahead·hop samples (see <see cref="StreamingStft.LatencySamples"/>).</summary>
    public int LatencySamples => _stft.LatencySamples;

    public bool Bypass
    {
        get => _processor.Bypass;
        set
        {
            _processor.Bypass = value;
            if (_companion != null) _companion.Bypass = value;
            if (_clicks != null) _clicks.Bypass = value;
        }
    }

    /// <summary>Whether a companion model is mixed in (<see cref="CompanionMix"/>).</summary>
    public bool HasCompanion => _companion != null;

    /// <summary>Whether the <see cref="ClickSuppressor"/> gates the output (<see cref="StreamingOptions.ClickLimitDb"/> set, and the latency leaves it a window).</summary>
    public bool SuppressesClicks => _clicks != null;

    /// <summary>Non-finite input samples replaced by zero since construction or the last <see cref="Reset"/>.</summary>
    public long NonFiniteSamplesReplaced { get; private set; }

    public void Process(ReadOnlySpan<float> input, Span<float> output)
    {
        if (output.Length != input.Length)
            throw new ArgumentException($"Output length {output.Length} ≠ input length {input.Length}.", nameof(output));
        for (int done = 0; done < input.Length; done += ChunkSamples)
        {
            int m = Math.Min(ChunkSamples, input.Length - done);
            NonFiniteSamplesReplaced += InputSanitizer.Sanitize(input.Slice(done, m), _chunk);
            _stft.Process(_chunk.AsSpan(0, m), output.Slice(done, m));
            _clicks?.Process(_chunk.AsSpan(0, m), output.Slice(done, m));
        }
    }

    public void Reset()
    {
        _stft.Reset();
        _clicks?.Reset();
        NonFiniteSamplesReplaced = 0;
    }

    public void Dispose() { }
}
