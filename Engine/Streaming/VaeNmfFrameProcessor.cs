using System.Numerics.Tensors;
using RealtimeDenoise.Dsp;
using RealtimeDenoise.Enhancement;
using RealtimeDenoise.Models;

namespace RealtimeDenoise.Streaming;

/// <summary>
/// The streaming VAE-NMF enhancer of ALGORITHM.md §4, one STFT frame at a time:
/// <list type="number">
/// <item>latent candidates for the frame — the previous frame's z, the encoder mean μ(p_n) and draws from the
/// encoder posterior — decoded in one batched call; each is weighted by its posterior probability
/// exp(ℓ_n(z) − ½‖z‖²) over the candidate set (a batched importance refinement of z); optional refinement rounds
/// redraw the candidates around the most probable one at half the spread;</item>
/// <item>a few multiplicative updates of the frame's NMF activations h_n and speech gain g_n with W fixed
/// (g_n under a half-Gaussian prior, <see cref="StreamingOptions.SpeechGainPenalty"/>);</item>
/// <item>online W from exponentially forgotten statistics A, B (cold start: W seeded from the first frames' mean spectrum;
/// W seeded again from a minimum-statistics noise floor when that floor rises far above the level the model was
/// learnt at, e.g. noise after a quiet lead-in, or, in the first 0.75 s, when it falls far below the seed, i.e. the
/// stream opened with talk);</item>
/// <item>the Wiener gain averaged over the candidates, its noise power at least the minimum-statistics floor
/// (<see cref="StreamingOptions.MinimumStatisticsFloorWeight"/>), optionally blended decision-directed with the previous
/// frame's output (<see cref="StreamingOptions.DecisionDirected"/>), floored, optionally smoothed, applied to the frame.</item>
/// </list>
/// With lookahead k the frame written is the one analysed k frames earlier, and its mask is the mean of the masks of
/// the frames up to ±2 around it (instead of the recursive smoothing); from k = 4 (the half-window of the
/// <see cref="TransientSuppressor"/>) on, that mask is also multiplied by the suppressor's gain
/// (<see cref="StreamingOptions.TransientLimitDb"/>). All buffers are allocated in the constructor; the per-frame cost
/// is constant and <c>ProcessFrame</c> does not allocate (provided the model does not, as
/// <see cref="IVarianceModel"/> promises).
/// Frames of digital silence (below −120 dBFS) are not analysed: they leave every state untouched.
/// </summary>
public sealed class VaeNmfFrameProcessor : ISideChainSpectralProcessor
{
    /// <summary>Peak frame levels of speech lie about this far above its active level (P.56-style).</summary>
    private const float PeakToActiveDb = 5f;

    /// <summary>Release of the level tracker's peak envelope, dB per second.</summary>
    private const float LevelReleaseDbPerSecond = 3f;

    /// <summary>
    /// Frames below this mean square (−120 dBFS) are digital silence (a muted or virtual microphone, a dropout):
    /// they leave the noise model, its seeding, the level tracker and the latent state untouched. Otherwise the
    /// noise model would be seeded from zeros (W ≈ 0), which multiplicative updates can never grow again.
    /// </summary>
    private const float SilenceMeanSquare = 1e-12f;

    /// <summary>
    /// Lower bound of the speech gain g (−20 dB re the model's level-normalised speech). At g ≈ 0 the mask sits at its
    /// floor, the online W takes the whole frame, speech included, as noise, and then explains the speech that follows,
    /// so g stays down. It happens in the seed frames too, where W is seeded from the frames themselves and explains
    /// all their power. Measured on the sample with white noise at 5 dB through 44.1 kHz, processed backwards (as the
    /// offline passes do): 4.3 dB out for 5.3 dB in with a bound of 1e-8, 9.4 with 0.001, 12.7 with 0.01 and 0.03.
    /// dev-test / tuneset streaming: 5.01 / 4.74 with 1e-8, 5.03 / 4.77 with 0.01, 5.05 / 4.76 with 0.03.
    /// </summary>
    private const float MinSpeechGain = 0.01f;

    /// <summary>Time constant of the long-term spectrum that finds dead bins (seconds).</summary>
    private const float LongTermSeconds = 1f;

    /// <summary>
    /// Window of the per-bin noise floor (minimum statistics, Martin 2001) that watches the noise model (seconds):
    /// long enough to span the pauses of speech, so it follows the noise and not the talker. With 2 s, talk without a
    /// 2 s pause lifted the floor to the speech, and the mask and a re-seed of W from that floor cut it: the repository's
    /// clean sample played backwards (its pause-free stretch first) came out at 12.1 dB SI-SDR streaming and 18.7
    /// offline; 28.5 and 29.7 with 3 s. Measured 2 s → 3 s: the 24 dev-test clean files as input, streaming 27.2 → 28.5 dB
    /// mean, worst 18.5 → 20.6; offline 26.9 → 28.4, worst 18.1 → 21.9; noisy dev-test streaming 5.03 → 5.03, offline
    /// 5.75 → 5.77; a second set (48 pairs) streaming 4.77 → 4.77, offline 5.63 → 5.64. The price: the floor, and the
    /// re-seed after noise starts, come a second later. Speech with noise switching on after 9 s (8 noise-train noises,
    /// 0 and 10 dB): streaming 2.36 → 2.22 dB, offline 4.47 → 4.42. A 2 s floor for the re-seed alone gave 2.43 there
    /// but brought the clean-file losses back (streaming worst 18.1, offline 16.9); 4 s measured as 3 s on the clean
    /// files and lower on the onset set.
    /// </summary>
    private const float FloorWindowSeconds = 3f;

    /// <summary>Sub-windows of the running minimum: it is updated in O(bins) per frame.</summary>
    private const int FloorSubWindows = 8;

    /// <summary>Recursive smoothing of the frame power before its minimum is taken (about 5 frames).</summary>
    private const float FloorSmoothing = 0.8f;

    /// <summary>The minimum of smoothed periodograms underestimates the mean noise power by about this factor (3 dB).</summary>
    private const float FloorBias = 2f;

    /// <summary>
    /// When the noise floor lies this far (20 dB) above the level at which the noise model was learnt, W is seeded
    /// again from the floor's spectrum (see <see cref="WatchNoiseFloor"/>).
    /// </summary>
    private const float ReseedRiseDb = 20f;

    /// <summary>
    /// Within the first <see cref="EarlyFallSeconds"/> of a stream, when the noise floor falls this far (12 dB) below the
    /// level at which the noise model was seeded, the seed frames were speech, not noise, and W is seeded again from the
    /// floor (see <see cref="WatchNoiseFloor"/>).
    /// </summary>
    private const float EarlyFallDb = 12f;

    /// <summary>How long after the seed frames <see cref="EarlyFallDb"/> is watched for.</summary>
    private const float EarlyFallSeconds = 0.75f;

    /// <summary>
    /// Half-width of the log-spectral smoothing of that early floor before it seeds W: a floor taken over the first
    /// fraction of a second of talk still has the talker's formants in it, and W must not learn them.
    /// </summary>
    private const float EarlyReseedSmoothingHz = 500f;

    /// <summary>
    /// Half-width h of the centred mask average that lookahead k buys (frames, at most k); with lookahead it replaces the
    /// recursive <see cref="StreamingOptions.MaskTimeSmoothing"/>, which only adds lag once the frames after are known.
    /// Measured at k = 4 (SI-SDRi dB dev-test / 48-pair tuning set; the 24 dev-test clean files as input, mean / worst
    /// SI-SDR): the mean over all 2k + 1 frames after the recursive smoothing, 5.48 / 4.93, 24.5 / 19.2 (and worse with more
    /// lookahead: 4.79 at k = 8); ±2 without the recursive smoothing 5.77 / 5.16, 27.0 / 20.3; ±1 5.75; ±2 with it 5.68;
    /// ±3 triangular 5.77. At k = 2: 5.15 / 4.86 against 5.08 / 4.80.
    /// </summary>
    private const int LookaheadAverageHalfWidth = 2;

    private readonly IVarianceModel _model;
    private readonly float _longTermDecay;
    private readonly float[] _longTerm, _binWeight;
    private readonly StreamingOptions _options;
    private readonly int _bins, _latent, _rank, _candidates, _fftSize, _lookahead, _averageHalfWidth, _ringFrames;
    private readonly float _logMin, _logMax, _gamma, _minGain, _releasePerFrame, _encoderPriorWeight;
    private readonly long _earlyFallFrames;
    private readonly int _earlyReseedHalfWidth;
    private readonly GaussianSampler _rng;

    private readonly float[] _power, _scaled, _mu, _logVar, _priorPrecision, _zCandidates, _zPrevious, _decoded, _speech, _total;
    private readonly float[] _target, _weight;
    private readonly float[] _wt, _a, _b, _perturbation, _h, _noise, _inv1, _pInv2, _scratch, _scratch2, _seedSum;
    private readonly float[] _cleanPower; // |Ŝ|² of the last analysed frame, for the decision-directed SNR
    private readonly float[] _mask, _previousMask, _smoothed, _maskRing, _reRing, _imRing;
    private readonly float[] _maskNoise; // noise power the mask is computed with: W·h, raised to the minimum-statistics floor
    private readonly HarmonicComb? _harmonics; // null when StreamingOptions.HarmonicDepth is 0
    private readonly float[] _harmonicFactors = [], _harmonicSpeech = [];
    private readonly MinimumStatistics _noiseFloor;
    private readonly float _modelFloorFollow;
    private float _modelFloorDb;

    private readonly TransientSuppressor? _transients; // with lookahead ≥ its half-window only
    private readonly float[] _transientGains = []; // gains of frames t − k … t − h, rows by frame number
    private readonly int _transientRows;

    private long _frames, _activeFrames;
    private bool _hasPrevious;
    private float _gain, _levelEnvelopeDb, _bypassMix;

    public VaeNmfFrameProcessor(IVarianceModel model, StreamingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        _options = options ?? new StreamingOptions();
        _options.Validate();
        var card = model.Card;
        _bins = model.Bins;
        if (card.FftSize / 2 + 1 != _bins)
            throw new ArgumentException($"Model card says n_fft {card.FftSize} but the model has {_bins} bins.", nameof(model));
        _fftSize = card.FftSize;
        _latent = model.LatentDim;
        _rank = _options.NmfRank;
        _candidates = _options.Candidates;
        _lookahead = _options.LookaheadFrames;
        _averageHalfWidth = Math.Min(_lookahead, LookaheadAverageHalfWidth);
        _ringFrames = _lookahead + _averageHalfWidth + 1;
        var range = card.LogVarianceRange;
        _logMin = range.Length == 2 ? range[0] : -30f;
        _logMax = range.Length == 2 ? range[1] : 10f;
        _encoderPriorWeight = _options.EncoderPriorWeight ?? EncoderPrior.DefaultWeight(card);
        float framesPerSecond = (float)card.SampleRate / card.HopSize;
        _gamma = MathF.Exp(-1f / (_options.ForgettingSeconds * framesPerSecond));
        _minGain = MathF.Pow(10f, -_options.MaxAttenuationDb / 20f);
        _releasePerFrame = LevelReleaseDbPerSecond / framesPerSecond;
        _rng = new GaussianSampler(_options.Seed);
        _longTermDecay = MathF.Exp(-1f / (LongTermSeconds * framesPerSecond));
        _longTerm = new float[_bins];
        _noiseFloor = new MinimumStatistics(_bins, FloorWindowSeconds * framesPerSecond, FloorSubWindows, FloorSmoothing, FloorBias);
        _modelFloorFollow = 1 - _gamma;
        _earlyFallFrames = _options.SeedFrames + (long)(EarlyFallSeconds * framesPerSecond);
        _earlyReseedHalfWidth = (int)MathF.Round(EarlyReseedSmoothingHz * card.FftSize / card.SampleRate);
        _binWeight = new float[_bins];

        _power = new float[_bins];
        _scaled = new float[_bins];
        _mu = new float[_latent];
        _logVar = new float[_latent];
        _priorPrecision = new float[_latent];
        _zCandidates = new float[_candidates * _latent];
        _zPrevious = new float[_latent];
        _decoded = new float[_candidates * _bins];
        _speech = new float[_candidates * _bins];
        _total = new float[_candidates * _bins];
        _target = new float[_candidates];
        _weight = new float[_candidates];
        _wt = new float[_rank * _bins];
        _a = new float[_rank * _bins];
        _b = new float[_rank * _bins];
        _perturbation = new float[_rank * _bins];
        _h = new float[_rank];
        _noise = new float[_bins];
        _inv1 = new float[_bins];
        _pInv2 = new float[_bins];
        _scratch = new float[_bins];
        _scratch2 = new float[_bins];
        _seedSum = new float[_bins];
        _mask = new float[_bins];
        _maskNoise = new float[_bins];
        if (_options.HarmonicDepth > 0)
        {
            _harmonics = new HarmonicComb(_bins, (float)card.SampleRate / card.FftSize, _options.HarmonicTopHz);
            _harmonicFactors = new float[_bins];
            _harmonicSpeech = new float[_bins];
        }
        _cleanPower = new float[_bins];
        _smoothed = new float[_bins];
        _previousMask = new float[_bins];
        _maskRing = new float[_ringFrames * _bins];
        _reRing = new float[(_lookahead + 1) * _bins];
        _imRing = new float[(_lookahead + 1) * _bins];
        if (_options.TransientLimitDb is { } limit)
        {
            var suppressor = new TransientSuppressor(new StftConfig(card.FftSize, card.HopSize, card.SampleRate), limit);
            if (_lookahead >= suppressor.HalfWindowFrames)
            {
                _transients = suppressor;
                _transientRows = _lookahead - suppressor.HalfWindowFrames + 1;
                _transientGains = new float[_transientRows * _bins];
            }
        }
        Reset();
    }

    /// <summary>Frames of lookahead k: the frame written by <c>ProcessFrame</c> is the one analysed k calls earlier.</summary>
    public int LookaheadFrames => _lookahead;

    /// <summary>Whether the <see cref="TransientSuppressor"/> runs: a limit is set and the lookahead covers its half-window.</summary>
    public bool SuppressesTransients => _transients != null;

    /// <summary>When set, the mask fades to 1 over <see cref="StreamingOptions.BypassFadeFrames"/> frames (and back when cleared).</summary>
    public bool Bypass { get; set; }

    /// <summary>The mask applied to the last frame written (after floor, smoothing, lookahead and bypass); for inspection and tests.</summary>
    public ReadOnlySpan<float> LastMask => _smoothed;

    /// <summary>
    /// The noise power per bin the last analysed frame's mask was computed with (W·h, raised to the minimum-statistics
    /// floor), for the frame before the mask's lookahead delay; for the offline enhancer's noise seed and for tests.
    /// </summary>
    public ReadOnlySpan<float> LastNoiseVariance => _maskNoise;

    public void Reset()
    {
        _frames = 0;
        _activeFrames = 0;
        Array.Clear(_longTerm);
        _noiseFloor.Reset();
        _modelFloorDb = float.NaN;
        Array.Fill(_binWeight, 1f);
        _hasPrevious = false;
        _gain = 1f;
        _levelEnvelopeDb = float.NegativeInfinity;
        _bypassMix = Bypass ? 1f : 0f;
        _rng.Reseed(_options.Seed);
        for (int i = 0; i < _perturbation.Length; i++) _perturbation[i] = 0.5f + _rng.NextUniform();
        Array.Fill(_h, 1f);
        Array.Clear(_wt);
        Array.Clear(_a);
        Array.Clear(_b);
        Array.Clear(_seedSum);
        Array.Fill(_smoothed, 1f); // silence before the first analysed frame passes unchanged
        Array.Clear(_previousMask);
        Array.Clear(_cleanPower);
        Array.Clear(_maskRing);
        Array.Clear(_reRing);
        Array.Clear(_imRing);
        Array.Clear(_maskNoise);
        _transients?.Reset();
        Array.Fill(_transientGains, 1f);
    }

    /// <summary>Consumes frame t and writes frame t − k (silence before k frames have been seen).</summary>
    public void ProcessFrame(ReadOnlySpan<float> inReal, ReadOnlySpan<float> inImag, Span<float> outReal, Span<float> outImag) =>
        ProcessFrame(inReal, inImag, inReal, inImag, outReal, outImag);

    /// <summary>
    /// Consumes frame t, estimating everything (latents, noise model, mask) from the analysis frame, and writes frame t − k
    /// of the input frames masked (silence before k frames have been seen).
    /// </summary>
    public void ProcessFrame(ReadOnlySpan<float> analysisReal, ReadOnlySpan<float> analysisImag,
        ReadOnlySpan<float> inReal, ReadOnlySpan<float> inImag, Span<float> outReal, Span<float> outImag)
    {
        int slot = (int)(_frames % (_lookahead + 1));
        inReal[.._bins].CopyTo(_reRing.AsSpan(slot * _bins, _bins));
        inImag[.._bins].CopyTo(_imRing.AsSpan(slot * _bins, _bins));
        TensorPrimitives.Multiply(analysisReal[.._bins], analysisReal[.._bins], _power);
        TensorPrimitives.MultiplyAdd(analysisImag[.._bins], analysisImag[.._bins], _power, _power);
        // Every frame, silent or not, so that the gains stay aligned with the frame numbers.
        _transients?.Push(_power, TransientGain(_frames - _transients.HalfWindowFrames));

        if (FrameMeanSquare() >= SilenceMeanSquare)
        {
            FindDeadBins();
            float floorDb = UpdateNoiseFloor();
            float scale = _options.NormalizeLevel ? TrackLevel() : 1f;
            float logScale = MathF.Log(scale);
            float floor = 1e-9f / scale;

            EstimateMask(scale, logScale, floor);
            WatchNoiseFloor(floorDb);
            PostProcessMask();
            if (_activeFrames < long.MaxValue) _activeFrames++;
        }
        // else: silence; the last mask is applied unchanged (with lookahead, to the frame k earlier).

        // Frame t − k sits in the ring slot after the newest one (the oldest of k + 1).
        int outSlot = (int)((_frames + 1) % (_lookahead + 1));
        var re = _reRing.AsSpan(outSlot * _bins, _bins);
        var im = _imRing.AsSpan(outSlot * _bins, _bins);
        TensorPrimitives.Multiply(re, _smoothed, outReal[.._bins]);
        TensorPrimitives.Multiply(im, _smoothed, outImag[.._bins]);
        if (_frames < long.MaxValue) _frames++;
    }

    /// <summary>
    /// Running active level: a peak envelope of the frame levels with a slow release, minus the usual
    /// peak-to-active distance of speech. Returns the power scale c for the speech model.
    /// </summary>
    private float TrackLevel()
    {
        float levelDb = 10f * MathF.Log10(FrameMeanSquare() + 1e-20f);
        _levelEnvelopeDb = MathF.Max(levelDb, _levelEnvelopeDb - _releasePerFrame);
        return SpeechLevel.PowerScale(_levelEnvelopeDb - PeakToActiveDb, _model.Card.TrainingLevelDbfs);
    }

    /// <summary>Mean square of the frame's samples, by Parseval with the sqrt-Hann window (Σw² = n_fft/2) from its half spectrum.</summary>
    private float FrameMeanSquare()
    {
        float edge = _power[0] + _power[_bins - 1];
        float sum = 2f * TensorPrimitives.Sum(_power) - edge;
        return sum / (_fftSize * (_fftSize * 0.5f));
    }

    /// <summary>
    /// Updates the per-bin noise floor, the minimum statistics over the last <see cref="FloorWindowSeconds"/>;
    /// returns its total over the live bins in dB (NaN while the stream's first frames are skipped).
    /// </summary>
    private float UpdateNoiseFloor()
    {
        // The first frames of a stream fade in from the STFT's zero history: they would set a floor far too low.
        if (_activeFrames < _options.SeedFrames) return float.NaN;
        _noiseFloor.Push(_power);
        return 10f * MathF.Log10(TensorPrimitives.Dot(_noiseFloor.Floor, _binWeight) + 1e-30f);
    }

    /// <summary>
    /// The online statistics weight a frame by h/v, so a model learnt on quiet hiss (an idle microphone, −90 dBFS)
    /// outweighs frames of noise 60 dB louder by 10⁶ and keeps the hiss's spectral shape for tens of seconds: the
    /// enhancer barely worked after such a lead-in. The level at which the model was learnt follows the noise floor
    /// at the model's forgetting rate; when the floor rises <see cref="ReseedRiseDb"/> above it (the floor is a
    /// minimum over <see cref="FloorWindowSeconds"/>, so the rise is sustained noise and not speech, whose pauses
    /// bring the floor down: 1.5 s was too short for the clean-speech sample), W is seeded again from the floor's
    /// spectrum. Its statistics restart with the weight of a whole forgetting memory: with the weight of a few seed
    /// frames, W absorbed the speech that follows (measured: worse than no re-seed at all).
    /// <para>
    /// The other way round, a stream that opens with talk seeds W from speech: W then explains the talker, the speech
    /// model gets little, and the enhancer cuts the speech for the whole stream (dev-test with each file cut to start
    /// at its first word, 0.1–0.45 s in: streaming 6.53 → 2.83 dB SI-SDRi, 10 dB files −1.3 dB; offline 7.40 → 6.39).
    /// The floor tells: it falls in the first gaps between syllables. So within <see cref="EarlyFallSeconds"/> a fall
    /// of <see cref="EarlyFallDb"/> below the seed's level seeds W again from the floor, smoothed over
    /// ±<see cref="EarlyReseedSmoothingHz"/> (that early, the floor still holds the talker's formants), with the weight
    /// of the seed frames so that W learns the noise's own shape from there. Measured (SI-SDRi dB, streaming, with the
    /// companion): the cut dev-test 2.83 → 3.76 (STOI 0.745 → 0.756), dev-test 6.53 → 6.53, the tuning set 5.94 → 5.93
    /// and its moodist_* noises 5.93 → 5.90 (one typing lead-in that pauses reads as a fall); offline the cut dev-test
    /// 6.39 → 6.64, dev-test 7.40 → 7.40; the clean files forwards and backwards unchanged (27.0 / 20.8 and 26.7 / 19.1
    /// mean / worst). Not kept: the raw floor, watched for the whole stream, 2.98; ±1 kHz 3.78 but moodist −0.05; the
    /// weight of a whole memory 3.62; a 10 dB fall 3.94 but dev-test 6.45; a watch of 1 s moodist 5.75, of 0.5 s 3.74;
    /// the whole stream (a typing lead-in that stops is a fall too) moodist 5.60.
    /// </para>
    /// </summary>
    private void WatchNoiseFloor(float floorDb)
    {
        if (float.IsNaN(floorDb)) return;
        if (float.IsNaN(_modelFloorDb)) { _modelFloorDb = floorDb; return; }
        if (floorDb - _modelFloorDb > ReseedRiseDb && _noiseFloor.FramesSeen > _noiseFloor.WindowFrames)
            SeedAgain(_noiseFloor.Floor, 1f / (1 - _gamma), floorDb); // as if the model had fitted a whole memory of frames: it must not now absorb speech
        else if (_activeFrames < _earlyFallFrames && _modelFloorDb - floorDb > EarlyFallDb)
        {
            LogSpectralSmoothing.Apply(_noiseFloor.Floor, _earlyReseedHalfWidth, _scratch, _scratch2);
            SeedAgain(_scratch, _options.SeedFrames, floorDb);
        }
        else _modelFloorDb += _modelFloorFollow * (floorDb - _modelFloorDb);
    }

    /// <summary>W from <paramref name="spectrum"/>, its statistics weighted as <paramref name="frames"/> frames, learnt at <paramref name="floorDb"/>.</summary>
    private void SeedAgain(ReadOnlySpan<float> spectrum, float frames, float floorDb)
    {
        SeedColumns(spectrum, 1f / _rank);
        StartStatistics(frames);
        _modelFloorDb = floorDb;
    }

    /// <summary>Updates the long-term spectrum and the 0/1 weights of the bins that take part in the likelihood.</summary>
    private void FindDeadBins()
    {
        // A running mean while fewer frames than the time constant have been seen, exponential after that:
        // one loud first frame must not decide which bins are dead for the next second.
        float keep = MathF.Min(_activeFrames / (_activeFrames + 1f), _longTermDecay);
        TensorPrimitives.Multiply(_longTerm, keep, _longTerm);
        TensorPrimitives.MultiplyAdd(_power, 1 - keep, _longTerm, _longTerm);
        DeadBins.Find(_longTerm, _binWeight);
    }

    private void EstimateMask(float scale, float logScale, float floor)
    {
        // 1. Latent candidates, decoded in one batch.
        // Optionally the encoder sees the frame with the current noise estimate subtracted (see MonteCarloEm).
        bool seeding = _activeFrames < _options.SeedFrames;
        if (seeding) SeedNoise();
        float subtract = _options.EncoderNoiseSubtraction;
        if (subtract > 0)
        {
            ComputeNoise();
            for (int f = 0; f < _bins; f++)
                _scaled[f] = scale * MathF.Max(_power[f] - subtract * _noise[f], MonteCarloEm.EncoderResidualFloor * _power[f]);
        }
        else TensorPrimitives.Multiply(_power, scale, _scaled);
        DeadBins.FillForEncoder(_scaled, _binWeight);
        _model.Encode(_scaled, 1, _mu, _logVar);
        if (_encoderPriorWeight > 0) NoisySpeechMath.PriorPrecision(_logVar, _options.EncoderPriorInflation, _priorPrecision);
        (_hasPrevious ? _zPrevious : _mu).CopyTo(_zCandidates.AsSpan(0, _latent));
        for (int j = 1; j < _candidates; j++)
        {
            var z = _zCandidates.AsSpan(j * _latent, _latent);
            for (int d = 0; d < _latent; d++)
            {
                float draw = j == 1 ? 0f : _options.ProposalScale * MathF.Exp(0.5f * _logVar[d]) * _rng.NextGaussian();
                z[d] = _mu[d] + draw;
            }
        }
        _model.Decode(_zCandidates, _candidates, _decoded);
        for (int j = 0; j < _candidates; j++)
            NoisySpeechMath.SpeechVariance(_decoded.AsSpan(j * _bins, _bins), _logMin, _logMax, logScale, _speech.AsSpan(j * _bins, _bins));

        // 2. Multiplicative updates of h and g with W fixed; with refinement rounds, the candidates are then
        // redrawn around the most probable one at half the spread, decoded as one batch again.
        float tiny = floor * 1e-3f;
        for (int round = 0; round <= _options.RefinementRounds; round++)
        {
            if (round > 0) Redraw(round, logScale);
            for (int u = 0; u < _options.Updates; u++)
            {
                ComputeNoise();
                float gainNum, gainDen;
                (gainNum, gainDen) = WeighCandidates(floor);
                for (int k = 0; k < _rank; k++)
                {
                    var w = _wt.AsSpan(k * _bins, _bins);
                    float num = TensorPrimitives.Dot(w, _pInv2), den = TensorPrimitives.Dot(w, _inv1);
                    if (den > 0 && num >= 0) _h[k] = MathF.Max(_h[k] * MathF.Sqrt(num / den), tiny);
                }
                gainDen += _options.SpeechGainPenalty * _gain;
                if (gainDen > 0 && gainNum >= 0) _gain = Math.Clamp(_gain * MathF.Sqrt(gainNum / gainDen), MinSpeechGain, 1e8f);
            }
        }
        ComputeNoise();
        WeighCandidates(floor);

        // 3. Wiener gain averaged over the candidates.
        RaiseNoiseToFloor();
        AccumulateMask(floor, null);
        if (_harmonics != null) ApplyHarmonics(floor);
        if (_options.DecisionDirected > 0) ApplyDecisionDirected(floor);

        // 4. Online W with exponential forgetting (after the seed frames).
        if (seeding)
        {
            if (_activeFrames == _options.SeedFrames - 1) StartStatistics(_options.SeedFrames);
        }
        else
        {
            // Online IS-NMF (Lefèvre et al. 2011): A accumulates W²-weighted numerators so W = √(A/B) is a
            // weighted average over time of the batch update, instead of compounding the ratio every frame.
            for (int k = 0; k < _rank; k++)
            {
                var a = _a.AsSpan(k * _bins, _bins);
                var b = _b.AsSpan(k * _bins, _bins);
                var w = _wt.AsSpan(k * _bins, _bins);
                TensorPrimitives.Multiply(w, w, _scratch);
                TensorPrimitives.Multiply(_scratch, _pInv2, _scratch);
                TensorPrimitives.Multiply(a, _gamma, a);
                TensorPrimitives.MultiplyAdd(_scratch, _h[k], a, a);
                TensorPrimitives.Multiply(b, _gamma, b);
                TensorPrimitives.MultiplyAdd(_inv1, _h[k], b, b);
                for (int f = 0; f < _bins; f++)
                {
                    if (b[f] > 0 && a[f] >= 0) w[f] = MathF.Max(MathF.Sqrt(a[f] / b[f]), tiny);
                }
            }
        }

        // The most probable candidate starts the next frame's set.
        int best = 0;
        for (int j = 1; j < _candidates; j++) if (_weight[j] > _weight[best]) best = j;
        _zCandidates.AsSpan(best * _latent, _latent).CopyTo(_zPrevious);
        _hasPrevious = true;
    }

    /// <summary>
    /// The mask's noise power: max(W·h, w·floor) with the minimum-statistics floor of <see cref="UpdateNoiseFloor"/>
    /// (w = <see cref="StreamingOptions.MinimumStatisticsFloorWeight"/>). The online NMF forgets slowly and fits
    /// h to the frame's power, speech included, so it can fall below the noise that is plainly there between words;
    /// the floor, a per-bin minimum over <see cref="FloorWindowSeconds"/>, cannot. Only the mask uses it: the NMF updates stay the model's own.
    /// </summary>
    private void RaiseNoiseToFloor()
    {
        float weight = _options.MinimumStatisticsFloorWeight;
        if (weight > 0 && _noiseFloor.FramesSeen > 0)
        {
            TensorPrimitives.Multiply(_noiseFloor.Floor, weight, _maskNoise);
            TensorPrimitives.Max(_maskNoise, _noise, _maskNoise);
        }
        else _noise.CopyTo(_maskNoise);
    }

    /// <summary>Wiener gain averaged over the candidates, each speech variance times <paramref name="factors"/> if given.</summary>
    private void AccumulateMask(float floor, float[]? factors)
    {
        _mask.AsSpan().Clear();
        for (int j = 0; j < _candidates; j++)
        {
            if (_weight[j] < 1e-6f) continue;
            var speech = _speech.AsSpan(j * _bins, _bins);
            if (factors != null)
            {
                TensorPrimitives.Multiply(speech, factors, _harmonicSpeech);
                speech = _harmonicSpeech;
            }
            NoisySpeechMath.AccumulateWienerGain(speech, _gain, _maskNoise, _options.NoiseOverestimation, floor, _scratch, _mask, _weight[j]);
        }
    }

    /// <summary>
    /// Finds the pitch in the frame filtered by the envelope-only mask (m²·p) and, in voiced frames, recomputes the
    /// mask with the speech variances given the harmonic fine structure of <see cref="HarmonicComb"/>. Only the
    /// mask changes: the inference of z, h, g and W keeps the model's own variances.
    /// </summary>
    private void ApplyHarmonics(float floor)
    {
        float depth = _harmonics!.AnalyzePassed(_mask, _power, _options.HarmonicDepth, _scratch);
        if (!(depth > 0)) return;
        _harmonics.Shape(_harmonicFactors, depth);
        AccumulateMask(floor, _harmonicFactors);
    }

    /// <summary>
    /// Decision-directed a-priori SNR (Ephraim and Malah 1984) with the VAE-NMF estimate in place of the
    /// maximum-likelihood one: ξ = α·|Ŝ_{t−1}|²/v + (1 − α)·ξ_model, where ξ_model = β·m/(1 − m) is the SNR the
    /// model's mask m implies; the mask becomes ξ / (ξ + β). |Ŝ_{t−1}|² is the last analysed frame's output power.
    /// </summary>
    private void ApplyDecisionDirected(float floor)
    {
        float alpha = _options.DecisionDirected, beta = _options.NoiseOverestimation;
        bool hasPrevious = _activeFrames > 0;
        for (int f = 0; f < _bins; f++)
        {
            float m = MathF.Min(_mask[f], 0.999f);
            if (!(m >= 0)) m = 0;
            float xi = beta * m / (1 - m);
            if (hasPrevious) xi = alpha * _cleanPower[f] / MathF.Max(_noise[f], floor) + (1 - alpha) * xi;
            _mask[f] = xi / (xi + beta);
        }
    }

    /// <summary>Keeps the most probable candidate in slot 0 and redraws the others around it with spread 2^−round of the first round's.</summary>
    private void Redraw(int round, float logScale)
    {
        int best = 0;
        for (int j = 1; j < _candidates; j++) if (_weight[j] > _weight[best]) best = j;
        if (best != 0) _zCandidates.AsSpan(best * _latent, _latent).CopyTo(_zCandidates.AsSpan(0, _latent));
        float spread = _options.ProposalScale * MathF.Pow(0.5f, round);
        for (int j = 1; j < _candidates; j++)
        {
            var z = _zCandidates.AsSpan(j * _latent, _latent);
            for (int d = 0; d < _latent; d++) z[d] = _zCandidates[d] + spread * MathF.Exp(0.5f * _logVar[d]) * _rng.NextGaussian();
        }
        _model.Decode(_zCandidates, _candidates, _decoded);
        for (int j = 0; j < _candidates; j++)
            NoisySpeechMath.SpeechVariance(_decoded.AsSpan(j * _bins, _bins), _logMin, _logMax, logScale, _speech.AsSpan(j * _bins, _bins));
    }

    /// <summary>The transient gain row of frame <paramref name="frame"/> (one of the last k − h + 1 frames).</summary>
    private Span<float> TransientGain(long frame) =>
        _transientGains.AsSpan((int)(((frame % _transientRows) + _transientRows) % _transientRows) * _bins, _bins);

    private void SeedNoise()
    {
        TensorPrimitives.Add(_seedSum, _power, _seedSum);
        SeedColumns(_seedSum, 1f / ((_activeFrames + 1) * _rank));
    }

    /// <summary>W's columns = share · spectrum, each with its own fixed perturbation (so they can specialise); h = 1.</summary>
    private void SeedColumns(ReadOnlySpan<float> spectrum, float share)
    {
        for (int k = 0; k < _rank; k++)
        {
            var w = _wt.AsSpan(k * _bins, _bins);
            TensorPrimitives.Multiply(spectrum, share, w);
            TensorPrimitives.Multiply(w, _perturbation.AsSpan(k * _bins, _bins), w);
            TensorPrimitives.Max(w, 1e-20f, w);
        }
        Array.Fill(_h, 1f);
    }

    /// <summary>B = (seed frames)·h/v and A = B ⊙ W²: the statistics of a noise model that fitted the seed frames exactly, so W starts where it was seeded.</summary>
    private void StartStatistics(float frames)
    {
        ComputeNoise();
        for (int k = 0; k < _rank; k++)
        {
            var a = _a.AsSpan(k * _bins, _bins);
            var b = _b.AsSpan(k * _bins, _bins);
            var w = _wt.AsSpan(k * _bins, _bins);
            for (int f = 0; f < _bins; f++)
            {
                b[f] = frames * _h[k] / MathF.Max(_noise[f], 1e-30f);
                a[f] = b[f] * w[f] * w[f];
            }
        }
    }

    private void ComputeNoise()
    {
        _noise.AsSpan().Clear();
        for (int k = 0; k < _rank; k++)
            TensorPrimitives.MultiplyAdd(_wt.AsSpan(k * _bins, _bins), _h[k], _noise, _noise);
    }

    /// <summary>
    /// Posterior weights of the candidates under the current h, g, W; fills Σ_j w_j V_j⁻¹ and p ⊙ Σ_j w_j V_j⁻²
    /// and returns the numerator and denominator of the gain update.
    /// </summary>
    private (float Num, float Den) WeighCandidates(float floor)
    {
        float maxTarget = float.NegativeInfinity;
        for (int j = 0; j < _candidates; j++)
        {
            float t = NoisySpeechMath.LogLikelihood(_power, _speech.AsSpan(j * _bins, _bins), _gain, _noise, _binWeight, floor, _total.AsSpan(j * _bins, _bins), _scratch)
                      - NoisySpeechMath.LatentEnergy(_zCandidates.AsSpan(j * _latent, _latent), _mu, _priorPrecision, _encoderPriorWeight);
            _target[j] = float.IsFinite(t) ? t : float.NegativeInfinity;
            if (_target[j] > maxTarget) maxTarget = _target[j];
        }
        float total = 0;
        for (int j = 0; j < _candidates; j++)
        {
            _weight[j] = float.IsFinite(maxTarget) ? MathF.Exp(_target[j] - maxTarget) : 1f;
            total += _weight[j];
        }
        _inv1.AsSpan().Clear();
        _pInv2.AsSpan().Clear();
        float num = 0, den = 0;
        for (int j = 0; j < _candidates; j++)
        {
            _weight[j] /= total;
            float wj = _weight[j];
            if (wj < 1e-6f) continue;
            var (candidateNum, candidateDen) = NoisySpeechMath.AccumulateInverseVariances(_total.AsSpan(j * _bins, _bins), _speech.AsSpan(j * _bins, _bins), _power,
                _binWeight, wj, _inv1, _pInv2, _scratch, _scratch2);
            num += candidateNum;
            den += candidateDen;
        }
        return (num, den);
    }

    /// <summary>Floor, optional frequency/time smoothing, lookahead averaging and the bypass crossfade.</summary>
    private void PostProcessMask()
    {
        for (int f = 0; f < _bins; f++)
        {
            float g = _mask[f];
            _mask[f] = g >= _minGain ? MathF.Min(g, 1f) : _minGain; // NaN falls to the floor
        }
        if (_options.DecisionDirected > 0)
        {
            TensorPrimitives.Multiply(_mask, _mask, _cleanPower);
            TensorPrimitives.Multiply(_cleanPower, _power, _cleanPower);
        }
        float fs = _options.MaskFrequencySmoothing;
        if (fs > 0)
        {
            float prev = _mask[0];
            for (int f = 0; f < _bins; f++)
            {
                float cur = _mask[f], next = f + 1 < _bins ? _mask[f + 1] : cur;
                _mask[f] = (1 - fs) * cur + fs * (prev + cur + next) / 3f;
                prev = cur;
            }
        }
        // Indexed by analysed (non-silent) frames: silent frames do not enter the smoothing.
        var ring = _maskRing.AsSpan((int)(_activeFrames % _ringFrames) * _bins, _bins);
        if (_lookahead == 0 && _activeFrames > 0)
            AsymmetricSmoothing.Step(_previousMask, _mask, _options.MaskRiseSmoothing, _options.MaskTimeSmoothing);
        else _mask.CopyTo(_previousMask);
        _previousMask.CopyTo(ring);

        if (_lookahead == 0) ring.CopyTo(_smoothed);
        else
        {
            // Mask of frame t − k: mean over the analysed frames among t − k − h … t − k + h (t, the newest, is 0 back).
            _smoothed.AsSpan().Clear();
            int count = 0;
            long last = Math.Min(_lookahead + _averageHalfWidth, _activeFrames);
            for (long back = _lookahead - _averageHalfWidth; back <= last; back++, count++)
                TensorPrimitives.Add(_smoothed, _maskRing.AsSpan((int)((_activeFrames - back) % _ringFrames) * _bins, _bins), _smoothed);
            if (count > 0) TensorPrimitives.Multiply(_smoothed, 1f / count, _smoothed);
            else ring.CopyTo(_smoothed); // the frame written is still from before the stream began
        }

        if (_transients != null)
        {
            TensorPrimitives.Multiply(_smoothed, TransientGain(_frames - _lookahead), _smoothed);
            TensorPrimitives.Max(_smoothed, _minGain, _smoothed);
        }

        float target = Bypass ? 1f : 0f;
        float step = 1f / _options.BypassFadeFrames;
        _bypassMix = _bypassMix < target ? MathF.Min(target, _bypassMix + step) : MathF.Max(target, _bypassMix - step);
        if (_bypassMix > 0)
        {
            // mask ← mix + (1 − mix)·mask
            TensorPrimitives.Multiply(_smoothed, 1 - _bypassMix, _smoothed);
            TensorPrimitives.Add(_smoothed, _bypassMix, _smoothed);
        }
    }
}
