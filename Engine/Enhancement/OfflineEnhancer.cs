using System.Numerics.Tensors;
using RealtimeDenoise.Dsp;
using RealtimeDenoise.Models;
using RealtimeDenoise.Streaming;

namespace RealtimeDenoise.Enhancement;

/// <summary>
/// Whole-buffer enhancement with the VAE-NMF model (ALGORITHM.md §3): per segment, the Monte-Carlo EM mask
/// blended with the streaming enhancer's forward and backward masks (<see cref="OfflineOptions.StreamingPassWeight"/>;
/// like the live enhancer, the passes analyse the segment through the <see cref="AnalysisClickGate"/> and mix in the
/// companion model at low SNR when one is given, <see cref="CompanionMix"/>),
/// given the harmonic fine structure of voiced frames (<see cref="OfflineOptions.HarmonicDepth"/>), then sharpened
/// (<see cref="OfflineOptions.MaskSharpness"/>), multiplied by the <see cref="TransientSuppressor"/>'s gain
/// (<see cref="OfflineOptions.TransientLimitDb"/>; the power it removes also seeds the EM's noise), floored and corrected
/// by the learnt <see cref="MaskRefiner"/> (<see cref="OfflineOptions.MaskRefiner"/>); the
/// resynthesised signal then goes through the time-domain <see cref="ClickSuppressor"/> (<see cref="OfflineOptions.ClickLimitDb"/>).
/// The signal is cleaned of non-finite samples, its active level measured once, and processed in segments of at most
/// <see cref="OfflineOptions.SegmentSeconds"/> with a linear crossfade over the overlaps, so memory
/// stays bounded for long inputs. Output has the input's length and alignment. Not thread-safe.
/// </summary>
public sealed class OfflineEnhancer : IEnhancer
{
    private readonly IVarianceModel _model;
    private readonly OfflineOptions _options;
    private readonly Stft _stft;
    private readonly TransientSuppressor? _transients;
    private readonly HarmonicComb? _harmonics; // null when OfflineOptions.HarmonicDepth is 0
    private readonly StreamingOptions _passOptions;

    private readonly IVarianceModel? _companion;

    /// <param name="model">The speech model.</param>
    /// <param name="options">Settings; null: the defaults.</param>
    /// <param name="companion">
    /// A second speech model with the same STFT (null: none) that the streaming passes mix in at low SNR, as the live enhancer
    /// does. Measured with the embedded companion at weight 0.5 (SI-SDRi dB, dev-test / tuning set, two seeds): 7.19 / 6.48 → 7.27 / 6.64;
    /// the dev-test clean files as input, worst 20.7 → 20.7 dB forwards, 21.4 → 21.4 backwards.
    /// </param>
    public OfflineEnhancer(IVarianceModel model, OfflineOptions? options = null, IVarianceModel? companion = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        _options = options ?? new OfflineOptions();
        _options.Validate();
        var card = model.Card;
        var config = new StftConfig(card.FftSize, card.HopSize, card.SampleRate);
        config.Validate();
        if (config.Bins != model.Bins)
            throw new ArgumentException($"Model card says n_fft {card.FftSize} ({config.Bins} bins) but the model has {model.Bins} bins.", nameof(model));
        _stft = new Stft(config);
        if (_options.TransientLimitDb is { } limit) _transients = new TransientSuppressor(config, limit);
        if (_options.HarmonicDepth > 0) _harmonics = new HarmonicComb(config.Bins, (float)card.SampleRate / card.FftSize);
        _passOptions = _options.StreamingPasses ?? new StreamingOptions();
        if (companion != null) CompanionMix.CheckCompanion(model, companion, nameof(companion));
        _companion = companion;
    }

    public int SampleRate => _model.Card.SampleRate;

    /// <summary>Non-finite input samples replaced by zero during the last <see cref="Enhance"/> call.</summary>
    public int NonFiniteSamplesReplaced { get; private set; }

    /// <summary>EM iterations run per segment during the last call (the convergence rule may stop early).</summary>
    public IReadOnlyList<int> IterationsPerSegment => _iterations;

    /// <summary>NMF rank of the EM's noise model per segment during the last call (0: no EM; see <see cref="OfflineOptions.LowSnrNmfRank"/>).</summary>
    public IReadOnlyList<int> NmfRankPerSegment => _ranks;

    private readonly List<int> _iterations = [], _ranks = [];

    /// <summary>
    /// Sees every segment's <see cref="OfflineMaskStages"/> before the <see cref="OfflineOptions.MaskRefiner"/> runs (null:
    /// none); called only where all the stages run (streaming passes and EM blended, transient suppressor on).
    /// </summary>
    public IOfflineStageObserver? StageObserver { get; set; }

    public float[] Enhance(ReadOnlySpan<float> noisy, IProgress<double>? progress = null, CancellationToken cancellationToken = default)
    {
        var clean = new float[noisy.Length];
        NonFiniteSamplesReplaced = InputSanitizer.Sanitize(noisy, clean);
        _iterations.Clear();
        _ranks.Clear();
        if (noisy.Length == 0) return clean;

        float scale = _options.NormalizeLevel
            ? SpeechLevel.PowerScale(SpeechLevel.ActiveLevelDbfs(clean), _model.Card.TrainingLevelDbfs)
            : 1f;

        int segment = Math.Max(_stft.Config.FftSize * 4, (int)(_options.SegmentSeconds * SampleRate));
        int overlap = Math.Min(segment / 4, (int)(_options.SegmentOverlapSeconds * SampleRate));
        var output = new float[noisy.Length];
        // The EM is made again when a segment needs another rank, so a long input holds one EM's buffers at a time.
        // Without the passes there is no SNR estimate and the rank is NmfRank.
        MonteCarloEm? current = null;
        Func<int, MonteCarloEm>? emFor = _options.StreamingPassWeight >= 1 ? null
            : rank => current?.Rank == rank ? current : current = new MonteCarloEm(_model, _options, _options.Seed, FindGradient(), rank);
        var passes = _options.StreamingPassWeight > 0 ? new BidirectionalStreamingMask(_model, _passOptions, _companion) : null;
        int start = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int end = Math.Min(clean.Length, start + segment);
            bool first = start == 0, last = end == clean.Length;
            var enhanced = EnhanceSegment(emFor, passes, start, clean.AsSpan(start, end - start), scale, cancellationToken, out var used);
            for (int i = 0; i < enhanced.Length; i++)
            {
                float w = 1f;
                if (!first && i < overlap) w = (i + 0.5f) / overlap;
                if (!last && i >= enhanced.Length - overlap) w = (enhanced.Length - i - 0.5f) / overlap;
                output[start + i] += w * enhanced[i];
            }
            _iterations.Add(used?.Objectives.Count ?? 0);
            _ranks.Add(used?.Rank ?? 0);
            progress?.Report((double)end / clean.Length);
            if (last) break;
            start = end - overlap;
        }
        if (_options.ClickLimitDb is { } limit)
            ClickSuppressor.GateWhole(clean, output, SampleRate, limit, _options.MaxAttenuationDb, _options.ClickCrossoversHz);
        return output;
    }

    /// <summary>The decoder's backward pass for Langevin proposals: given in the options, provided by the model, or built from a managed model's weights.</summary>
    private IDecoderGradient? FindGradient() => !(_options.LangevinStep > 0) ? null
        : _options.DecoderGradient
          ?? _model as IDecoderGradient
          ?? (_model is ManagedVarianceModel managed ? new DenseDecoderGradient(managed.Weights) : null);

    /// <summary>
    /// What the streaming passes analyse: as in the live enhancer, the segment through the <see cref="AnalysisClickGate"/>
    /// when their options set one (their masks still filter the segment itself). Measured (SI-SDRi dB, dev-test / tuning
    /// set, two seeds): without 7.13 / 6.44, with 7.19 / 6.48 (typewriter 11.6 → 12.1); the clean files as input
    /// forwards / backwards, worst 20.9 / 21.4 → 20.7 / 21.4. The non-causal output gate on both bands instead, 7.16 and
    /// 7.15 at 7 and 10 dB, and the gated power given to the Monte-Carlo EM too, 6.92 (one seed).
    /// </summary>
    private Spectrogram PassAnalysis(ReadOnlySpan<float> signal, Spectrogram spec)
    {
        if (_passOptions.AnalysisClickLimitDb is not { } limit) return spec;
        var card = _model.Card;
        return _stft.Analyze(AnalysisClickGate.GateWhole(signal, card.SampleRate, AnalysisClickGate.BlockFor(card.HopSize), limit, _passOptions.ClickCrossoversHz));
    }

    /// <summary>SNR (dB) the streaming passes' mask implies: the energy it keeps over the energy it removes.</summary>
    internal static double PassSnrDb(ReadOnlySpan<float> mask, ReadOnlySpan<float> power)
    {
        double kept = 0, removed = 0;
        for (int i = 0; i < mask.Length; i++)
        {
            double m = mask[i];
            kept += m * m * power[i];
            removed += (1 - m) * (1 - m) * power[i];
        }
        return 10 * Math.Log10((kept + 1e-30) / (removed + 1e-30));
    }

    private float[] EnhanceSegment(Func<int, MonteCarloEm>? emFor, BidirectionalStreamingMask? passes, int start, ReadOnlySpan<float> signal, float scale,
        CancellationToken cancellationToken, out MonteCarloEm? em)
    {
        var spec = _stft.Analyze(signal);
        var mask = new float[spec.Real.Length];
        float[]? streamed = null, noise = null;
        // The refiner's inputs (and what a stage observer sees) exist when every stage runs.
        bool stages = (_options.MaskRefiner != null || StageObserver != null) && passes != null && emFor != null && _transients != null;
        float[]? forward = null, passesMask = null, passesNoise = null, emMask = null;
        if (passes != null)
        {
            streamed = emFor == null ? mask : new float[mask.Length];
            bool seed = emFor != null && _options.SeedNoiseFromStreamingPasses;
            if (seed || stages) noise = new float[mask.Length];
            if (stages) forward = new float[mask.Length];
            passes.Compute(PassAnalysis(signal, spec), streamed, cancellationToken, noise, forward);
            if (stages)
            {
                passesMask = (float[])streamed.Clone(); // the blend and the sharpening reuse the passes' buffer
                passesNoise = seed ? (float[])noise!.Clone() : noise; // the EM's seed gets the transient share added
            }
            if (!seed) noise = null;
        }
        float[]? power = emFor != null || _transients != null ? spec.Power() : null, transientGain = null;
        em = emFor?.Invoke(streamed != null ? _options.NmfRankFor(PassSnrDb(streamed, power!)) : _options.NmfRank);
        if (_transients != null)
        {
            transientGain = new float[mask.Length];
            _transients.ComputeGain(power, spec.Frames, transientGain);
            // What the suppressor will remove is noise: the EM's noise model starts with it, so the EM learns the clicks too.
            if (noise != null)
                for (int i = 0; i < noise.Length; i++) noise[i] += power![i] * (1 - transientGain[i] * transientGain[i]);
        }
        if (em != null) em.Run(power, spec.Frames, scale, mask, cancellationToken, noise);
        if (stages) emMask = (float[])mask.Clone();
        if (em != null && streamed != null)
        {
            // Geometric blend m_EM^(1−a)·m_s^a; both masks are floored above 0.
            float a = _options.StreamingPassWeight;
            TensorPrimitives.Pow(mask, 1 - a, mask);
            TensorPrimitives.Pow(streamed, a, streamed);
            TensorPrimitives.Multiply(mask, streamed, mask);
        }
        if (_harmonics != null)
        {
            power ??= spec.Power();
            int bins = _model.Bins;
            var scratch = new float[bins];
            var factors = new float[bins];
            for (int n = 0; n < spec.Frames; n++)
                _harmonics.ApplyToMask(mask.AsSpan(n * bins, bins), power.AsSpan(n * bins, bins), _options.HarmonicDepth, scratch, factors);
        }
        if (_options.MaskSharpness != 1f)
        {
            // After the blend the passes' buffer is free; with the passes alone it is the mask itself.
            var scratch = em != null && streamed != null ? streamed : new float[mask.Length];
            MaskSharpening.Apply(mask, _options.MaskSharpness, scratch);
        }
        if (transientGain != null) TensorPrimitives.Multiply(mask, transientGain, mask);
        // The offline gain floor is the user's: it bounds the final mask, whatever the streaming passes' own floor.
        float minGain = _options.MinGain;
        TensorPrimitives.Clamp(mask, minGain, 1f, mask);
        if (stages)
        {
            var found = new OfflineMaskStages(spec, power!, emMask!, forward!, passesMask!, passesNoise!, transientGain!, mask);
            StageObserver?.OnSegment(start, signal.Length, found);
            _options.MaskRefiner?.Refine(found, mask, minGain, cancellationToken);
        }
        for (int i = 0; i < mask.Length; i++)
        {
            spec.Real[i] *= mask[i];
            spec.Imag[i] *= mask[i];
        }
        return _stft.Synthesize(spec, signal.Length);
    }
}
