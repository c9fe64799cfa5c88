using System.Numerics.Tensors;
using RealtimeDenoise.Models;

namespace RealtimeDenoise.Enhancement;

/// <summary>
/// Monte-Carlo EM of ALGORITHM.md §3 on one segment's power spectrogram: Metropolis–Hastings
/// sampling of every frame's latent z (all frames per step in one batched decoder call),
/// multiplicative IS-NMF updates of the noise model W·H and the per-frame speech gains g, and the
/// Wiener mask averaged over fresh posterior samples. Works on unscaled power; the speech model
/// sees power·c (level normalisation) and its variances are divided by c on the way back.
/// Buffers are sized for the largest segment and reused. Not thread-safe.
/// </summary>
internal sealed class MonteCarloEm
{
    /// <summary>What is left of a bin after noise subtraction for the encoder, at least (−20 dB).</summary>
    internal const float EncoderResidualFloor = 0.01f;

    private readonly IVarianceModel _model;
    private readonly OfflineOptions _options;
    private readonly int _bins, _latent, _rank;
    private readonly float _logMin, _logMax, _encoderPriorWeight;
    private readonly GaussianSampler _rng;
    private readonly IDecoderGradient? _gradient;
    private float[] _grad = [], _gradProposal = [], _upstream = [], _targetProposal = [];

    private int _capacity;
    private float[] _scaledPower = [], _mu = [], _logVar = [], _priorPrecision = [], _z = [], _zProposal = [], _decoded = [];
    private float[] _speech = [], _noise = [], _inv1 = [], _pInv2 = [], _target = [];
    private float[][] _kept = [];
    private float[] _h = [], _gain = [], _gainNum = [], _gainDen = [];
    private readonly float[] _wt, _wNum, _wDen, _scratch, _scratch2, _proposalRow, _binWeight;
    private readonly SpeechEqualizer? _equalizer; // null when both its cut and boost are 0

    /// <summary>An EM for <paramref name="model"/> with <paramref name="options"/>; <paramref name="gradient"/> is the decoder's
    /// backward pass for Langevin proposals; <paramref name="rank"/> overrides <see cref="OfflineOptions.NmfRank"/>.</summary>
    public MonteCarloEm(IVarianceModel model, OfflineOptions options, int seed, IDecoderGradient? gradient = null, int? rank = null)
    {
        if (rank < 1) throw new ArgumentOutOfRangeException(nameof(rank), rank, "NMF rank must be at least 1.");
        _model = model;
        _gradient = options.LangevinStep > 0 ? gradient : null;
        if (_gradient != null && (_gradient.Bins != model.Bins || _gradient.LatentDim != model.LatentDim))
            throw new ArgumentException($"Decoder gradient is {_gradient.LatentDim}→{_gradient.Bins} but the model is {model.LatentDim}→{model.Bins}.", nameof(gradient));
        _options = options;
        _bins = model.Bins;
        _latent = model.LatentDim;
        _rank = rank ?? options.NmfRank;
        _encoderPriorWeight = options.EncoderPriorWeight ?? EncoderPrior.DefaultWeight(model.Card);
        var range = model.Card.LogVarianceRange;
        _logMin = range.Length == 2 ? range[0] : -30f;
        _logMax = range.Length == 2 ? range[1] : 10f;
        _rng = new GaussianSampler(seed);
        _wt = new float[_rank * _bins];
        _wNum = new float[_rank * _bins];
        _wDen = new float[_rank * _bins];
        _scratch = new float[_bins];
        _scratch2 = new float[_bins];
        _proposalRow = new float[_bins];
        _binWeight = new float[_bins];
        if (options.SpeechEqualizerCutDb > 0 || options.SpeechEqualizerBoostDb > 0)
            _equalizer = new SpeechEqualizer(_bins, options.SpeechEqualizerCutDb, options.SpeechEqualizerBoostDb);
    }

    /// <summary>Components of the noise NMF.</summary>
    public int Rank => _rank;

    /// <summary>The <see cref="SpeechEqualizer"/>'s gains after the last run (empty when it is off).</summary>
    internal ReadOnlySpan<float> SpeechEqualizerGains => _equalizer is null ? default : _equalizer.Gains;

    /// <summary>Objective (mean of log(c·V) + p/V, at the training level) after each EM iteration of the last run: the convergence trace.</summary>
    public List<double> Objectives { get; } = [];

    /// <summary>
    /// Computes the Wiener mask (frames × bins, frame-major) for <paramref name="power"/> = |X|².
    /// <paramref name="powerScale"/> is c of <see cref="SpeechLevel"/>.
    /// <paramref name="noiseEstimate"/>, if not empty, is a noise power per bin (frames × bins) that W·H is fitted to
    /// before the EM starts; otherwise W·H starts at the quiet-frame floor.
    /// </summary>
    public void Run(ReadOnlySpan<float> power, int frames, float powerScale, Span<float> mask, CancellationToken cancellationToken,
        ReadOnlySpan<float> noiseEstimate = default)
    {
        if (frames == 0) return;
        Ensure(frames);
        int nf = frames * _bins;
        var p = power[..nf];
        float logScale = MathF.Log(powerScale);
        // Variances below 1e-9 at the training level are numerical noise (≈ −150 dB re the speech level per bin).
        float floor = 1e-9f / powerScale;

        // Noise floor first, so the encoder can be shown the frames with that floor subtracted: the encoder
        // was trained on clean speech, and fed the noisy power it describes the noise as speech.
        FindDeadBins(p, frames);
        InitialiseNoise(p, frames, floor);
        if (!noiseEstimate.IsEmpty) FitNoise(noiseEstimate[..nf], frames, floor);
        ComputeNoise(frames);
        Array.Fill(_gain, 1f, 0, frames);
        _equalizer?.Reset();
        float subtract = _options.EncoderNoiseSubtraction;
        var scaled = _scaledPower.AsSpan(0, nf);
        for (int i = 0; i < nf; i++) scaled[i] = powerScale * MathF.Max(p[i] - subtract * _noise[i], EncoderResidualFloor * p[i]);
        for (int n = 0; n < frames; n++) DeadBins.FillForEncoder(scaled.Slice(n * _bins, _bins), _binWeight);
        _model.Encode(scaled, frames, _mu.AsSpan(0, frames * _latent), _logVar.AsSpan(0, frames * _latent));
        if (_encoderPriorWeight > 0) NoisySpeechMath.PriorPrecision(_logVar.AsSpan(0, frames * _latent), _options.EncoderPriorInflation, _priorPrecision);
        _mu.AsSpan(0, frames * _latent).CopyTo(_z);
        _model.Decode(_z.AsSpan(0, frames * _latent), frames, _decoded.AsSpan(0, nf));
        for (int n = 0; n < frames; n++)
            NoisySpeechMath.SpeechVariance(_decoded.AsSpan(n * _bins, _bins), _logMin, _logMax, logScale, _speech.AsSpan(n * _bins, _bins));

        Objectives.Clear();
        int kept = _options.MhSteps - _options.BurnIn;
        for (int iteration = 0; iteration < _options.MaxIterations; iteration++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            ComputeNoise(frames);
            Sample(p, frames, logScale, floor, _options.MhSteps, _options.BurnIn, keep: true, mask: default);

            UpdateW(p, frames, kept, floor);
            ComputeNoise(frames);
            UpdateH(p, frames, kept, floor);
            ComputeNoise(frames);
            UpdateGain(p, frames, kept, floor);
            if (_equalizer != null) UpdateEqualizer(p, frames, kept, floor, _equalizer);
            double objective = Objective(p, frames, kept, floor) + logScale;
            Objectives.Add(objective);
            if (Stalled()) break;
        }

        // Estimate: fresh samples with the final noise model, Wiener gains averaged over them.
        ComputeNoise(frames);
        var m = mask[..nf];
        m.Clear();
        Sample(p, frames, logScale, floor, _options.FinalMhSteps, _options.FinalBurnIn, keep: false, mask: m);
        float minGain = _options.MinGain;
        TensorPrimitives.Multiply(m, 1f / (_options.FinalMhSteps - _options.FinalBurnIn), m);
        if (_options.MaskSmoothingFrames > 0) SmoothOverTime(m, frames, _bins, _options.MaskSmoothingFrames, _pInv2.AsSpan(0, nf));
        TensorPrimitives.Clamp(m, minGain, 1f, m);
    }

    /// <summary>
    /// Non-causal smoothing of a frame-major mask over time with a triangular kernel of half-width
    /// <paramref name="halfWidth"/> frames (weights h+1−|d|, renormalised at the edges). The whole segment is
    /// known, so this costs no latency; it averages out the frame-to-frame jitter of the sampled Wiener gains
    /// (heard as musical noise). Measured: smoothing across frequency made results worse, and so did averaging
    /// in the log domain (4.61 / 4.73 dB SI-SDRi dev-test / tuneset) or of the squared gain (4.85 / 4.93) instead of linearly (5.01 / 5.08).
    /// </summary>
    internal static void SmoothOverTime(Span<float> mask, int frames, int bins, int halfWidth, Span<float> scratch)
    {
        var copy = scratch[..(frames * bins)];
        mask[..(frames * bins)].CopyTo(copy);
        for (int n = 0; n < frames; n++)
        {
            var row = mask.Slice(n * bins, bins);
            row.Clear();
            float total = 0;
            for (int d = -halfWidth; d <= halfWidth; d++)
            {
                int j = n + d;
                if (j < 0 || j >= frames) continue;
                float w = halfWidth + 1 - Math.Abs(d);
                TensorPrimitives.MultiplyAdd(copy.Slice(j * bins, bins), w, row, row);
                total += w;
            }
            TensorPrimitives.Multiply(row, 1f / total, row);
        }
    }

    /// <summary>
    /// The Monte-Carlo objective is noisy, so compare means over windows: stop when the mean of the last
    /// <see cref="ConvergenceWindow"/> iterations improved on the window before by less than the tolerance.
    /// </summary>
    private bool Stalled()
    {
        int count = Objectives.Count, w = ConvergenceWindow;
        if (count < 2 * w) return false;
        double recent = 0, before = 0;
        for (int i = 0; i < w; i++)
        {
            recent += Objectives[count - 1 - i];
            before += Objectives[count - 1 - w - i];
        }
        return (before - recent) / w < _options.Tolerance;
    }

    private const int ConvergenceWindow = 5;

    private void Ensure(int frames)
    {
        if (frames <= _capacity) return;
        _capacity = frames;
        int nf = frames * _bins, nl = frames * _latent;
        _scaledPower = new float[nf];
        _decoded = new float[nf];
        _speech = new float[nf];
        _noise = new float[nf];
        _inv1 = new float[nf];
        _pInv2 = new float[nf];
        _mu = new float[nl];
        _logVar = new float[nl];
        _priorPrecision = new float[nl];
        _z = new float[nl];
        _zProposal = new float[nl];
        if (_gradient != null)
        {
            _grad = new float[nl];
            _gradProposal = new float[nl];
            _upstream = new float[nf];
            _targetProposal = new float[frames];
        }
        _target = new float[frames];
        _kept = new float[Math.Max(1, _options.MhSteps - _options.BurnIn)][];
        for (int r = 0; r < _kept.Length; r++) _kept[r] = new float[nf];
        _h = new float[frames * _rank];
        _gain = new float[frames];
        _gainNum = new float[frames];
        _gainDen = new float[frames];
    }

    /// <summary>Bin weights of <see cref="DeadBins"/> from the segment's mean spectrum.</summary>
    private void FindDeadBins(ReadOnlySpan<float> p, int frames)
    {
        var mean = _scratch;
        mean.AsSpan().Clear();
        for (int n = 0; n < frames; n++) TensorPrimitives.Add(mean, p.Slice(n * _bins, _bins), mean);
        DeadBins.Find(mean, _binWeight);
    }

    /// <summary>
    /// W·H starts at the noise floor: the mean spectrum of the quietest 20 % of frames (ranked by frame
    /// energy, so the per-bin average is not biased low as a per-bin minimum would be), spread over the
    /// K components with random perturbations that break the symmetry between them.
    /// </summary>
    private void InitialiseNoise(ReadOnlySpan<float> p, int frames, float floor)
    {
        var energy = new float[frames];
        var order = new int[frames];
        for (int n = 0; n < frames; n++)
        {
            energy[n] = TensorPrimitives.Sum(p.Slice(n * _bins, _bins));
            order[n] = n;
        }
        Array.Sort(energy, order);
        int quiet = Math.Max(1, frames / 5);
        var mean = _scratch;
        mean.AsSpan().Clear();
        for (int i = 0; i < quiet; i++) TensorPrimitives.Add(mean, p.Slice(order[i] * _bins, _bins), mean);
        for (int f = 0; f < _bins; f++)
        {
            float level = MathF.Max(mean[f] / quiet, floor);
            for (int k = 0; k < _rank; k++) _wt[k * _bins + f] = level * (0.5f + _rng.NextUniform());
        }
        Array.Fill(_h, 1f / _rank, 0, frames * _rank);
    }

    /// <summary>
    /// Plain IS-NMF of a noise power estimate (no speech term), started from the quiet-frame initialisation:
    /// W·H then begins where another estimator put the noise instead of at a fixed floor.
    /// </summary>
    private void FitNoise(ReadOnlySpan<float> estimate, int frames, float floor)
    {
        int nf = frames * _bins;
        for (int iteration = 0; iteration < NoiseFitIterations; iteration++)
        {
            InverseVariancesOfNoiseModel(estimate, nf, floor);
            ApplyWUpdate(frames, floor);
            InverseVariancesOfNoiseModel(estimate, nf, floor);
            ApplyHUpdate(frames, floor);
        }
    }

    /// <summary>
    /// IS-NMF iterations of <see cref="FitNoise"/>. Measured (SI-SDRi dB dev-test / tuneset, RTF per worker): 5: 5.51 /
    /// 5.35, 0.12; 30: 5.51 / 5.37, 0.12; 100: 5.58 / 5.42, 0.13; 300: 5.59 / 5.44, 0.17. 30, because at 100 the
    /// noise-aware package on the sample with white noise at 5 dB fell from 7.20 to 6.29 dB and to 3.26 dB at 10 dB SNR
    /// on dev-test (3.60 at 30): the closer the fit, the more the EM inherits the passes' errors. Keeping W at the
    /// fit instead of letting the EM update it was worse (5.45 / 5.15).
    /// </summary>
    private const int NoiseFitIterations = 30;

    /// <summary>_inv1 = w/V and _pInv2 = w·e/V² with V = W·H (floored), e the estimate being fitted, w the dead-bin weights.</summary>
    private void InverseVariancesOfNoiseModel(ReadOnlySpan<float> estimate, int nf, float floor)
    {
        ComputeNoise(nf / _bins);
        for (int o = 0; o < nf; o += _bins)
            for (int f = 0; f < _bins; f++)
            {
                int i = o + f;
                float v = MathF.Max(_noise[i], floor);
                _inv1[i] = _binWeight[f] / v;
                _pInv2[i] = _binWeight[f] * MathF.Max(estimate[i], floor) / (v * v);
            }
    }

    private void ComputeNoise(int frames)
    {
        for (int n = 0; n < frames; n++)
        {
            var v = _noise.AsSpan(n * _bins, _bins);
            v.Clear();
            for (int k = 0; k < _rank; k++)
                TensorPrimitives.MultiplyAdd(_wt.AsSpan(k * _bins, _bins), _h[n * _rank + k], v, v);
        }
    }

    /// <summary>
    /// Random-walk Metropolis–Hastings on every frame's z (target ℓ_n(z) − ½‖z‖²). After burn-in the
    /// chain's σ² is stored as a kept sample (<paramref name="keep"/>) or its Wiener gain is added to <paramref name="mask"/>.
    /// </summary>
    private void Sample(ReadOnlySpan<float> p, int frames, float logScale, float floor, int steps, int burnIn, bool keep, Span<float> mask)
    {
        if (_gradient != null)
        {
            SampleLangevin(p, frames, logScale, floor, steps, burnIn, keep, mask);
            return;
        }
        float step = MathF.Sqrt(_options.ProposalVariance);
        int nl = frames * _latent, nf = frames * _bins;
        for (int n = 0; n < frames; n++)
        {
            int o = n * _bins;
            _target[n] = NoisySpeechMath.LogLikelihood(p.Slice(o, _bins), _speech.AsSpan(o, _bins), _gain[n], _noise.AsSpan(o, _bins), _binWeight, floor, _scratch, _scratch2)
                         - LatentEnergy(_z.AsSpan(n * _latent, _latent), n);
        }
        for (int m = 0; m < steps; m++)
        {
            for (int i = 0; i < nl; i++) _zProposal[i] = _z[i] + step * _rng.NextGaussian();
            _model.Decode(_zProposal.AsSpan(0, nl), frames, _decoded.AsSpan(0, nf));
            for (int n = 0; n < frames; n++)
            {
                int o = n * _bins;
                var zp = _zProposal.AsSpan(n * _latent, _latent);
                NoisySpeechMath.SpeechVariance(_decoded.AsSpan(o, _bins), _logMin, _logMax, logScale, _proposalRow);
                _equalizer?.Apply(_proposalRow);
                float target = NoisySpeechMath.LogLikelihood(p.Slice(o, _bins), _proposalRow, _gain[n], _noise.AsSpan(o, _bins), _binWeight, floor, _scratch, _scratch2)
                               - LatentEnergy(zp, n);
                float logU = MathF.Log(MathF.Max(_rng.NextUniform(), 1e-30f));
                if (logU < target - _target[n])
                {
                    _target[n] = target;
                    zp.CopyTo(_z.AsSpan(n * _latent, _latent));
                    _proposalRow.CopyTo(_speech.AsSpan(o, _bins));
                }
            }
            if (m >= burnIn) CollectSample(m - burnIn, frames, floor, keep, mask);
        }
    }

    /// <summary>−log prior of frame <paramref name="n"/>'s latent point (see <see cref="NoisySpeechMath.LatentEnergy"/>).</summary>
    private float LatentEnergy(ReadOnlySpan<float> z, int n) =>
        NoisySpeechMath.LatentEnergy(z, _mu.AsSpan(n * _latent, _latent), _priorPrecision.AsSpan(n * _latent, _latent), _encoderPriorWeight);

    /// <summary>
    /// After burn-in, the current samples either go to the M-step's store (slot <paramref name="index"/>) or, for
    /// the final estimate, add their Wiener gains to <paramref name="mask"/>.
    /// </summary>
    private void CollectSample(int index, int frames, float floor, bool keep, Span<float> mask)
    {
        if (keep)
        {
            _speech.AsSpan(0, frames * _bins).CopyTo(_kept[index]);
            return;
        }
        for (int n = 0; n < frames; n++)
        {
            int o = n * _bins;
            NoisySpeechMath.AccumulateWienerGain(_speech.AsSpan(o, _bins), _gain[n], _noise.AsSpan(o, _bins), _options.NoiseOverestimation, floor, _scratch, mask.Slice(o, _bins));
        }
    }

    /// <summary>
    /// Metropolis-adjusted Langevin sampling of every frame's z: proposals z' = z + η·d(z) + √(2η)·ε with the
    /// drift d = ∇_z[ℓ_n(z) − ½‖z‖²] (norm-clipped, which keeps far-off starts stable), accepted with the MH
    /// ratio including the asymmetric proposal densities. One batched decoder forward/backward per step.
    /// </summary>
    private void SampleLangevin(ReadOnlySpan<float> p, int frames, float logScale, float floor, int steps, int burnIn, bool keep, Span<float> mask)
    {
        float eta = _options.LangevinStep, noise = MathF.Sqrt(2f * eta);
        int nl = frames * _latent;
        // Current states: variances, targets and drifts.
        EvaluateWithGradient(p, _z, frames, logScale, floor, _speech, _target, _grad);
        for (int m = 0; m < steps; m++)
        {
            for (int i = 0; i < nl; i++) _zProposal[i] = _z[i] + eta * _grad[i] + noise * _rng.NextGaussian();
            EvaluateWithGradient(p, _zProposal, frames, logScale, floor, _decoded, _targetProposal, _gradProposal);
            for (int n = 0; n < frames; n++)
            {
                int o = n * _bins, l = n * _latent;
                // log q(z | z') − log q(z' | z), q(a | b) = N(a; b + η d(b), 2η I)
                float forward = 0, backward = 0;
                for (int d = 0; d < _latent; d++)
                {
                    float f = _zProposal[l + d] - _z[l + d] - eta * _grad[l + d];
                    float b = _z[l + d] - _zProposal[l + d] - eta * _gradProposal[l + d];
                    forward += f * f;
                    backward += b * b;
                }
                float logRatio = _targetProposal[n] - _target[n] + (forward - backward) / (4f * eta);
                float logU = MathF.Log(MathF.Max(_rng.NextUniform(), 1e-30f));
                if (logU < logRatio)
                {
                    _target[n] = _targetProposal[n];
                    _zProposal.AsSpan(l, _latent).CopyTo(_z.AsSpan(l, _latent));
                    _gradProposal.AsSpan(l, _latent).CopyTo(_grad.AsSpan(l, _latent));
                    _decoded.AsSpan(o, _bins).CopyTo(_speech.AsSpan(o, _bins));
                }
            }
            if (m >= burnIn) CollectSample(m - burnIn, frames, floor, keep, mask);
        }
    }

    /// <summary>
    /// For latent points <paramref name="z"/>: speech variances σ²/c into <paramref name="speech"/>, targets
    /// ℓ_n(z) − ½‖z‖² into <paramref name="target"/> and their norm-clipped gradients into <paramref name="grad"/>.
    /// ∂ℓ/∂log σ²_f = g·σ²_f·(p_f − V_f)/V_f², zero where log σ² is clamped.
    /// </summary>
    private void EvaluateWithGradient(ReadOnlySpan<float> p, float[] z, int frames, float logScale, float floor,
        float[] speech, float[] target, float[] grad)
    {
        var gradient = _gradient!;
        int nl = frames * _latent, nf = frames * _bins;
        var logVar = _upstream.AsSpan(0, nf);
        gradient.Forward(z.AsSpan(0, nl), frames, logVar);
        for (int n = 0; n < frames; n++)
        {
            int o = n * _bins;
            var s = speech.AsSpan(o, _bins);
            var lv = logVar.Slice(o, _bins);
            NoisySpeechMath.SpeechVariance(lv, _logMin, _logMax, logScale, s);
            _equalizer?.Apply(s);
            target[n] = NoisySpeechMath.LogLikelihood(p.Slice(o, _bins), s, _gain[n], _noise.AsSpan(o, _bins), _binWeight, floor, _scratch, _scratch2)
                        - LatentEnergy(z.AsSpan(n * _latent, _latent), n);
            // Upstream gradient, written over the log-variances (no longer needed).
            float g = _gain[n];
            for (int f = 0; f < _bins; f++)
            {
                bool clamped = lv[f] <= _logMin || lv[f] >= _logMax;
                float gs = g * s[f];
                float v = MathF.Max(gs + _noise[o + f], floor);
                lv[f] = clamped ? 0f : _binWeight[f] * gs * (p[o + f] - v) / (v * v);
            }
        }
        gradient.Backward(logVar, frames, grad.AsSpan(0, nl));
        float clip = _options.LangevinDriftClip;
        for (int n = 0; n < frames; n++)
        {
            var gz = grad.AsSpan(n * _latent, _latent);
            NoisySpeechMath.SubtractLatentEnergyGradient(z.AsSpan(n * _latent, _latent), _mu.AsSpan(n * _latent, _latent), _priorPrecision.AsSpan(n * _latent, _latent),
                _encoderPriorWeight, gz);
            float norm = MathF.Sqrt(TensorPrimitives.Dot(gz, gz));
            if (norm > clip) TensorPrimitives.Multiply(gz, clip / norm, gz);
            else if (!float.IsFinite(norm)) gz.Clear();
        }
    }

    /// <summary>Σ_r V_r⁻¹ and p ⊙ Σ_r V_r⁻² for every frame (and, when asked, the per-frame sums the gain update needs).</summary>
    private void AccumulateInverseVariances(ReadOnlySpan<float> p, int frames, int kept, float floor, bool forGain)
    {
        for (int n = 0; n < frames; n++)
        {
            int o = n * _bins;
            var inv1 = _inv1.AsSpan(o, _bins);
            var pInv2 = _pInv2.AsSpan(o, _bins);
            var pn = p.Slice(o, _bins);
            var v = _noise.AsSpan(o, _bins);
            inv1.Clear();
            pInv2.Clear();
            float num = 0, den = 0;
            for (int r = 0; r < kept; r++)
            {
                var s = _kept[r].AsSpan(o, _bins);
                NoisySpeechMath.TotalVariance(s, _gain[n], v, floor, _scratch);
                var (sampleNum, sampleDen) = NoisySpeechMath.AccumulateInverseVariances(_scratch, forGain ? s : default, pn, _binWeight, 1f,
                    inv1, pInv2, _scratch, _scratch2);
                num += sampleNum;
                den += sampleDen;
            }
            _gainNum[n] = num;
            _gainDen[n] = den;
        }
    }

    private void UpdateW(ReadOnlySpan<float> p, int frames, int kept, float floor)
    {
        AccumulateInverseVariances(p, frames, kept, floor, forGain: false);
        ApplyWUpdate(frames, floor);
    }

    /// <summary>Multiplicative IS-NMF update of W from the per-bin sums V⁻¹ and p·V⁻² in _inv1 and _pInv2, then unit-sum columns.</summary>
    private void ApplyWUpdate(int frames, float floor)
    {
        Array.Clear(_wNum);
        Array.Clear(_wDen);
        for (int n = 0; n < frames; n++)
        {
            var inv1 = _inv1.AsSpan(n * _bins, _bins);
            var pInv2 = _pInv2.AsSpan(n * _bins, _bins);
            for (int k = 0; k < _rank; k++)
            {
                float h = _h[n * _rank + k];
                TensorPrimitives.MultiplyAdd(pInv2, h, _wNum.AsSpan(k * _bins, _bins), _wNum.AsSpan(k * _bins, _bins));
                TensorPrimitives.MultiplyAdd(inv1, h, _wDen.AsSpan(k * _bins, _bins), _wDen.AsSpan(k * _bins, _bins));
            }
        }
        float tiny = floor * 1e-3f;
        for (int i = 0; i < _wt.Length; i++)
        {
            float ratio = _wDen[i] > 0 ? _wNum[i] / _wDen[i] : 1f;
            _wt[i] = MathF.Max(_wt[i] * MathF.Sqrt(ratio), tiny);
        }
        // Unit-sum columns of W, scale moved into H: keeps W·H unchanged and the factorisation identifiable.
        for (int k = 0; k < _rank; k++)
        {
            var w = _wt.AsSpan(k * _bins, _bins);
            float sum = TensorPrimitives.Sum(w);
            if (!(sum > 0)) continue;
            TensorPrimitives.Multiply(w, 1f / sum, w);
            for (int n = 0; n < frames; n++) _h[n * _rank + k] *= sum;
        }
    }

    private void UpdateH(ReadOnlySpan<float> p, int frames, int kept, float floor)
    {
        AccumulateInverseVariances(p, frames, kept, floor, forGain: false);
        ApplyHUpdate(frames, floor);
    }

    /// <summary>Multiplicative IS-NMF update of H from _inv1 and _pInv2 (see <see cref="ApplyWUpdate"/>).</summary>
    private void ApplyHUpdate(int frames, float floor)
    {
        float tiny = floor * 1e-3f;
        for (int n = 0; n < frames; n++)
        {
            var inv1 = _inv1.AsSpan(n * _bins, _bins);
            var pInv2 = _pInv2.AsSpan(n * _bins, _bins);
            for (int k = 0; k < _rank; k++)
            {
                var w = _wt.AsSpan(k * _bins, _bins);
                float num = TensorPrimitives.Dot(w, pInv2), den = TensorPrimitives.Dot(w, inv1);
                float ratio = den > 0 ? num / den : 1f;
                _h[n * _rank + k] = MathF.Max(_h[n * _rank + k] * MathF.Sqrt(ratio), tiny);
            }
        }
    }

    private void UpdateGain(ReadOnlySpan<float> p, int frames, int kept, float floor)
    {
        AccumulateInverseVariances(p, frames, kept, floor, forGain: true);
        if (_options.SharedSpeechGain)
        {
            // One gain for the whole segment: the level of speech is the model's business (z), not a free per-frame scale.
            double num = 0, den = 0;
            for (int n = 0; n < frames; n++)
            {
                num += _gainNum[n];
                den += _gainDen[n];
            }
            den += _options.SpeechGainPenalty * frames * _gain[0];
            float ratio = den > 0 ? (float)(num / den) : 1f;
            float shared = Math.Clamp(_gain[0] * MathF.Sqrt(ratio), 1e-8f, 1e8f);
            Array.Fill(_gain, shared, 0, frames);
            return;
        }
        for (int n = 0; n < frames; n++)
        {
            float den = _gainDen[n] + _options.SpeechGainPenalty * _gain[n];
            float ratio = den > 0 ? _gainNum[n] / den : 1f;
            _gain[n] = Math.Clamp(_gain[n] * MathF.Sqrt(ratio), 1e-8f, 1e8f);
        }
    }

    /// <summary>
    /// M-step of the equaliser from the kept samples; the current and kept variances, already equalised, take the change
    /// so that they stay what the new gains would decode.
    /// </summary>
    private void UpdateEqualizer(ReadOnlySpan<float> p, int frames, int kept, float floor, SpeechEqualizer equalizer)
    {
        equalizer.ClearStatistics();
        for (int n = 0; n < frames; n++)
        {
            int o = n * _bins;
            for (int r = 0; r < kept; r++)
                equalizer.Accumulate(_kept[r].AsSpan(o, _bins), _gain[n], _noise.AsSpan(o, _bins), p.Slice(o, _bins), floor);
        }
        var change = equalizer.Update(_binWeight);
        for (int n = 0; n < frames; n++)
        {
            int o = n * _bins;
            TensorPrimitives.Multiply(_speech.AsSpan(o, _bins), change, _speech.AsSpan(o, _bins));
            for (int r = 0; r < kept; r++) TensorPrimitives.Multiply(_kept[r].AsSpan(o, _bins), change, _kept[r].AsSpan(o, _bins));
        }
    }

    private double Objective(ReadOnlySpan<float> p, int frames, int kept, float floor)
    {
        double total = 0;
        for (int n = 0; n < frames; n++)
        {
            int o = n * _bins;
            for (int r = 0; r < kept; r++)
                total -= NoisySpeechMath.LogLikelihood(p.Slice(o, _bins), _kept[r].AsSpan(o, _bins), _gain[n], _noise.AsSpan(o, _bins), _binWeight, floor, _scratch, _scratch2);
        }
        return total / ((double)frames * kept * _bins);
    }
}
