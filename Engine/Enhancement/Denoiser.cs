using RealtimeDenoise.Models;
using RealtimeDenoise.Streaming;

namespace RealtimeDenoise.Enhancement;

/// <summary>
/// Settings of the offline (whole-buffer) enhancer: Monte-Carlo EM of ALGORITHM.md §3.
/// Defaults were chosen by measurement on dev-test and the tuneset (see the enhancement notes in the project report).
/// Tuning notes (SI-SDRi dB dev-test / tuneset, before mask smoothing: 4.68 / 4.68): more suppression helps SI-SDR and
/// costs a little STOI (β 1: 3.95 / 4.09, β 2: 4.47 / 4.52, β 5: 4.78 / 4.75; gain penalty 0: 3.97 / 3.98, 100: 4.32 / 4.32,
/// 1e4: 4.77 / 4.73); rank 4 or 16, a shared gain, 20 or 40 dB floor, encoder noise subtraction and Langevin proposals
/// (η 0.01, 4× slower) were within ±0.1 dB or worse; fewer iterations hurt (20: 4.46 / 4.30). With mask smoothing (±4 frames:
/// 5.01 / 5.08) a 1e4 penalty, β 5, rank 16, 40 final MH steps, 20 MH steps per E-step, tolerance 1e-3 or a noise-compensated
/// level measurement gave −0.1…+0.1 dB, about the spread between seeds (seed 7: 4.96 / 5.06); proposal variance 0.1 gave
/// 5.14 / 5.12 and 5.21 / 5.03 over two seeds (dev-test only), 0.2 and 0.4 were worse on the tuneset.
/// </summary>
public sealed class OfflineOptions
{
    /// <summary>K, the number of NMF components of the noise model (in segments of high SNR; see <see cref="LowSnrNmfRank"/>).</summary>
    public int NmfRank { get; set; } = 8;

    /// <summary>Upper bound on EM iterations per segment; <see cref="Tolerance"/> usually stops earlier.</summary>
    public int MaxIterations { get; set; } = 100;

    /// <summary>Metropolis–Hastings steps per E-step (all frames move in parallel, one decoder call each).</summary>
    public int MhSteps { get; set; } = 10;

    /// <summary>E-step steps discarded before samples are kept (MhSteps − BurnIn samples feed the M-step).</summary>
    public int BurnIn { get; set; } = 5;

    /// <summary>Variance of the random-walk proposal z' = z + ε.</summary>
    public float ProposalVariance { get; set; } = 0.04f;

    /// <summary>
    /// Step η of Metropolis-adjusted Langevin proposals z' = z + η∇ + √(2η)ε, used instead of the random walk
    /// when a decoder gradient is available (<see cref="DecoderGradient"/> or a model implementing
    /// <see cref="IDecoderGradient"/>); 0 disables them.
    /// </summary>
    public float LangevinStep { get; set; }

    /// <summary>Largest norm of the Langevin drift ∇_z, so that starts far from the posterior do not overshoot.</summary>
    public float LangevinDriftClip { get; set; } = 50f;

    /// <summary>Backward pass of the decoder for Langevin proposals, e.g. <c>new DenseDecoderGradient(weights)</c>; null: none unless the model provides one.</summary>
    public IDecoderGradient? DecoderGradient { get; set; }

    /// <summary>MH steps of the final estimate (fresh samples with the converged noise model).</summary>
    public int FinalMhSteps { get; set; } = 20;

    /// <summary>Burn-in of the final estimate.</summary>
    public int FinalBurnIn { get; set; } = 10;

    /// <summary>EM stops when the objective (mean of log V + p/V at the training level), averaged over the last 5 iterations, improved on the 5 before by less than this.</summary>
    public double Tolerance { get; set; } = 3e-3;

    /// <summary>
    /// One speech gain g for the whole segment instead of one per frame (ALGORITHM.md §2 has g_n). With
    /// level normalisation the decoder already predicts each frame's level; a free per-frame g lets the
    /// speech model claim noise-only frames.
    /// </summary>
    public bool SharedSpeechGain { get; set; }

    /// <summary>
    /// λ of a half-Gaussian prior p(g) ∝ exp(−λ·g²/2) on the speech gain (g = 1 is speech at the training level);
    /// the multiplicative update becomes g ← g·[Σ p·S/V² ⁄ (Σ S/V + λ·g)]^½.
    /// Where speech and noise models explain a frame equally well it tips the balance to the noise model,
    /// so noise-only frames are attenuated; 0 is the plain maximum-likelihood update.
    /// </summary>
    public float SpeechGainPenalty { get; set; } = 1000f;

    /// <summary>
    /// The encoder is initialised from max(p − α·v, 0.01·p) instead of the noisy power p (α = this value, v the
    /// current noise estimate): it was trained on clean speech. 0 feeds it the noisy power as in the paper.
    /// </summary>
    public float EncoderNoiseSubtraction { get; set; }

    /// <summary>
    /// Weight a ∈ [0, 1] of the encoder's posterior in the latent prior: (1 − a)·N(0, I) mixed geometrically with
    /// N(μ, ρ·σ²_enc) (see <see cref="EncoderPrior"/>); null: <see cref="EncoderPrior.DefaultWeight"/> of the model.
    /// </summary>
    public float? EncoderPriorWeight { get; set; }

    /// <summary>ρ, how much wider than the encoder's own posterior the encoder term of the prior is.</summary>
    public float EncoderPriorInflation { get; set; } = 4f;

    /// <summary>β of the parametric Wiener gain g·σ² / (g·σ² + β·v): 1 is the posterior-mean Wiener filter, larger removes more noise.</summary>
    public float NoiseOverestimation { get; set; } = 3f;

    /// <summary>Maximum attenuation of the Wiener mask in dB (gain floor).</summary>
    public float MaxAttenuationDb { get; set; } = 30f;

    /// <summary>The gain floor as an amplitude, 10^(−<see cref="MaxAttenuationDb"/>/20).</summary>
    public float MinGain => MathF.Pow(10f, -MaxAttenuationDb / 20f);

    /// <summary>
    /// Exponent a of <see cref="MaskSharpening"/> applied to the final mask (after the blend, before the floor); 1: none.
    /// Measured with the default model (SI-SDRi dB dev-test / tuneset; STOI dev-test): 1: 5.63 / 5.52 (0.771); 1.2: 5.74 /
    /// 5.62; 1.3: 5.76 / 5.63 (0.768); 1.4: 5.75 / 5.64; 1.6: 5.73 / 5.62 (0.766). Clean speech in (the 24 dev-test clean
    /// files) improves with it: 26.3 → 26.9 dB on average, worst file 17.6 → 18.1.
    /// </summary>
    public float MaskSharpness { get; set; } = 1.3f;

    /// <summary>
    /// Range of the EM's <see cref="SpeechEqualizer"/>: how far (dB) each bin's speech variance may be cut below, or
    /// boosted above, the speech model's, learnt per segment with g and W·H (both 0: off). Measured (SI-SDRi dB and STOI,
    /// dev-test / tuning set, mean of three seeds): off 7.40 / 6.85, 0.7862 / 0.7862; cut 10, boost 1: 7.48 / 6.85,
    /// 0.7874 / 0.7877; cut 10, boost 3: 7.51 / 6.82; cut 10, boost 10: 7.51 / 6.77 (one seed; storm −1.1, keyboard −0.5:
    /// the boost takes noise bursts the NMF has not learnt); cut 5, boost 1: 7.48 / 0.7873 on dev-test, 6.85 / 0.7884 on
    /// the tuning set (one seed). The 24 dev-test clean files as input (mean / worst SI-SDR, forwards and backwards):
    /// 26.25 / 20.85 and 26.27 / 21.37 → 26.68 / 21.32 and 26.80 / 21.32.
    /// </summary>
    public float SpeechEqualizerCutDb { get; set; } = 5f;

    /// <inheritdoc cref="SpeechEqualizerCutDb"/>
    public float SpeechEqualizerBoostDb { get; set; } = 1f;

    /// <summary>
    /// <see cref="TransientSuppressor"/> on the final mask: how far (dB) a band's power may rise above its median over
    /// ±32 ms before it is attenuated; null: no transient suppression. Measured (SI-SDRi dB, dev-test / the 48-pair
    /// tuning set; the 24 dev-test clean files as input, mean / worst output SI-SDR): none 5.77 / 5.64, 28.4 / 21.9;
    /// 10 dB 6.35 / 5.90, 27.6 / 21.8; 8 dB 6.51 / 5.95, 26.9 / 21.7; 6 dB 6.65 / 6.00, 25.8 / 20.7 (too close to the 20 dB
    /// asked of clean speech). At 8 dB: typewriter (dev-test) 3.0 → 9.0 dB, keyboard (tuning set) 4.6 → 9.1, dishes 5.5 → 6.0,
    /// the other noises within ±0.1 dB; STOI 0.769 → 0.771. Bands of ±125 or ±500 Hz instead of ±250 measured the same on
    /// noisy speech; a window of ±24 ms caught fewer clicks (6.09 / 5.79), ±40 or ±48 ms took plosives (clean worst 18.9 / 15.3 dB).
    /// With <see cref="SeedNoiseFromStreamingPasses"/>, the power the suppressor removes, p·(1 − gain²), is also added to
    /// the EM's starting noise, so the EM models the clicks as noise: 6.51 / 5.95 → 6.69 / 5.98 (typewriter 9.0 → 10.6;
    /// twice that power: 6.72 / 6.00), clean files 26.6 / 21.8.
    /// </summary>
    public float? TransientLimitDb { get; set; } = 8f;

    /// <summary>
    /// Limit (dB) of the time-domain <see cref="Streaming.ClickSuppressor"/> run over the finished output, as the streaming
    /// enhancer runs it (bands split at <see cref="ClickCrossoversHz"/>, each gated against its median of ±22.5 ms), down to
    /// <see cref="MaxAttenuationDb"/>; it catches at 4.5 ms what the spectral suppressor's 32 ms frames smear. null: off.
    /// Measured (SI-SDRi dB, dev-test / tuning set, two seeds): off 7.04 / 6.41, 10 dB 7.13 / 6.44. One seed, with the 24
    /// dev-test clean files as input forwards and backwards (worst SI-SDR): off 7.02 / 6.39, 21.6 / 21.5; 10 dB 7.12 / 6.42
    /// (typewriter 10.7 → 11.8, road and wind −0.1), 20.9 / 21.4; 9 dB 7.12 / 6.43, 20.7 / 21.2; 8 dB 7.13 / 6.43,
    /// 20.4 / 20.6; 7 dB 7.13 / 6.44, 19.4 / 20.0. One broadband band (measured before the spectral suppressor and the
    /// comb) added 0.03 dB.
    /// </summary>
    public float? ClickLimitDb { get; set; } = 10f;

    /// <summary>Crossover frequencies (Hz, ascending) of that gate's bands; see <see cref="StreamingOptions.ClickCrossoversHz"/>.</summary>
    public float[] ClickCrossoversHz { get; set; } = [2000f];

    /// <summary>
    /// Greatest depth (0 off, up to 1) of the <see cref="HarmonicComb"/> applied to the blended mask
    /// (<see cref="HarmonicComb.ApplyToMask"/>): the pitch is found in the frame the blend passes, whose SNR is higher than
    /// that of any single pass, and in voiced frames the mask's SNR is scaled up at the harmonics and down between them.
    /// The streaming passes keep their own comb (<see cref="StreamingOptions.HarmonicDepth"/>). Measured (SI-SDRi dB,
    /// dev-test / tuning set, mean of two seeds; dev-test STOI): 0: 6.88 / 6.18 (0.776); 0.4: 7.04 / 6.39; 0.6: 7.04 / 6.41
    /// (0.780); 0.8: 7.02 / 6.40; 0.9 with the passes' comb off: 7.02 (dev-test, one seed). The 24 clean files as input,
    /// mean / worst: 26.5 / 21.7 → 26.4 / 21.6. Pitch chosen from the scores summed over ±1 or ±2 frames instead of one
    /// frame's: 7.03 / 7.03 on dev-test.
    /// </summary>
    public float HarmonicDepth { get; set; } = 0.6f;

    /// <summary>Half-width (frames) of the non-causal triangular smoothing of the mask over time; 0: none.</summary>
    public int MaskSmoothingFrames { get; set; } = 4;

    /// <summary>
    /// Exponent a of the blend with the streaming enhancer's masks run forwards and backwards over the segment
    /// (<see cref="BidirectionalStreamingMask"/>): mask = m_EM^(1−a)·(m_fwd·m_bwd)^(a/2). 0: Monte-Carlo EM alone;
    /// 1: the streaming passes alone, about 3× faster than the EM. Measured with the default model (SI-SDRi dB
    /// dev-test / tuneset): EM alone 5.01 / 5.08; a = 0.5: 5.40 / 5.28; a = 0.67: 5.44 / 5.24; the linear blend
    /// ½(m_EM + ½(m_fwd + m_bwd)) 5.31 / 5.18; the mean of the two passes' outputs alone 5.29 / 4.94. With the EM's
    /// noise seeded from the passes (<see cref="SeedNoiseFromStreamingPasses"/>): a = 0.2: 5.51 / 5.42; 0.35: 5.53 / 5.41;
    /// 0.5: 5.51 / 5.37; 0.65: 5.47 / 5.30 (flat; 0.5 kept).
    /// </summary>
    public float StreamingPassWeight { get; set; } = 0.5f;

    /// <summary>
    /// With streaming passes (<see cref="StreamingPassWeight"/> in (0, 1)), the EM's noise model starts as an NMF fit
    /// of the passes' own noise power estimate, √(v_fwd·v_bwd) from their online noise models, instead of at the
    /// quiet-frame floor. Measured with the default model (SI-SDRi dB, dev-test / tuneset, blend weight 0.5, before
    /// the passes' minimum-statistics floor): off 5.37 / 5.28, on 5.51 / 5.37 (STOI 0.771 → 0.769 on dev-test, 0.774
    /// on tuneset both ways); with the floor, on: 5.62 / 5.51. Two other noise estimates measured higher but failed the
    /// stationary-noise tests (white noise, full-band and band-limited: 13 dB → 5.5–6.8 dB): the power the passes
    /// removed, (1 − m)·p, 5.64 / 5.46; the posterior noise power (1 − m)²·p + m·v, 5.61 / 5.48.
    /// </summary>
    public bool SeedNoiseFromStreamingPasses { get; set; } = true;

    /// <summary>
    /// NMF rank of the EM's noise model in segments whose SNR, as the streaming passes find it (the energy their mask
    /// keeps over the energy it removes), is at most <see cref="NmfRankLowSnrDb"/>; <see cref="NmfRank"/> from
    /// <see cref="NmfRankHighSnrDb"/> on; linear between. Much noise needs more components, while with little noise the
    /// spare ones take speech: at rank 16 throughout, the dev-test clean files as input fell to 17.7 dB SI-SDR at worst
    /// (20.8 at rank 8). Needs the streaming passes (<see cref="StreamingPassWeight"/> above 0).
    /// Measured (SI-SDRi dB; dev-test / the tuning set's moodist_* noises / six 50–58 s files; one seed): rank 8 7.30 /
    /// 6.89 / 7.37; 16 throughout 7.32 / 7.01 / 7.50; 16 below 7.5 dB and 8 above 7.38 / 7.03 / 7.41. As built, two seeds
    /// (SI-SDRi / dev-test STOI): 8 7.30 / 0.784 and 6.87; 16 7.34 / 0.784 and 6.98; 24 7.35 / 0.785 and 7.11. Three seeds
    /// (adding the default): 8 7.30 and 6.87, 24 7.36 and 7.02; per input SNR −5 / 0 / 5 / 10 dB 9.90 / 7.49 / 6.03 / 5.79
    /// → 10.01 / 7.61 / 6.01 / 5.79. The clean files keep rank 8 (worst 20.75 dB; 21.52 played backwards). Time, dev-test
    /// offline: 21.9 s with rank 8, 23.1 with 16, 25.2 with 24.
    /// </summary>
    public int LowSnrNmfRank { get; set; } = 24;

    /// <summary>Estimated segment SNR (dB) at or below which the EM has <see cref="LowSnrNmfRank"/> components; between it and <see cref="NmfRankHighSnrDb"/> the rank moves linearly to <see cref="NmfRank"/>.</summary>
    public float NmfRankLowSnrDb { get; set; } = 5f;

    /// <summary>Estimated segment SNR (dB) from which the EM has <see cref="NmfRank"/> components.</summary>
    public float NmfRankHighSnrDb { get; set; } = 10f;

    /// <summary>The EM's NMF rank for a segment whose streaming passes imply <paramref name="snrDb"/> (see <see cref="LowSnrNmfRank"/>).</summary>
    public int NmfRankFor(double snrDb)
    {
        if (!(snrDb > NmfRankLowSnrDb)) return LowSnrNmfRank; // NaN too: a segment the passes found no speech in
        if (snrDb >= NmfRankHighSnrDb) return NmfRank;
        double t = (snrDb - NmfRankLowSnrDb) / (NmfRankHighSnrDb - NmfRankLowSnrDb);
        return (int)Math.Round(LowSnrNmfRank + t * (NmfRank - LowSnrNmfRank));
    }

    /// <summary>
    /// The learnt correction of the final mask (<see cref="Enhancement.MaskRefiner"/>); default: the one embedded with the default
    /// model (null when this build has none); null: off. It runs where all the stages it reads run: streaming passes and
    /// EM blended (<see cref="StreamingPassWeight"/> in (0, 1)) and the transient suppressor on.
    /// </summary>
    public MaskRefiner? MaskRefiner { get; set; } = MaskRefiner.Embedded;

    /// <summary>Settings of those streaming passes (null: the streaming defaults); lookahead must be 0.</summary>
    public StreamingOptions? StreamingPasses { get; set; }

    /// <summary>Scale the power the speech model sees so the input's active level matches the model's training level.</summary>
    public bool NormalizeLevel { get; set; } = true;

    /// <summary>Longest piece processed at once (memory bound); pieces overlap and are crossfaded.</summary>
    public double SegmentSeconds { get; set; } = 30;

    public double SegmentOverlapSeconds { get; set; } = 1;

    /// <summary>Seed of the sampler: the same input and seed give the same output.</summary>
    public int Seed { get; set; } = 20241120;

    internal void Validate()
    {
        if (NmfRank < 1) throw new ArgumentOutOfRangeException(nameof(NmfRank), NmfRank, "NMF rank must be at least 1.");
        if (LowSnrNmfRank < 1) throw new ArgumentOutOfRangeException(nameof(LowSnrNmfRank), LowSnrNmfRank, "NMF rank must be at least 1.");
        if (!float.IsFinite(NmfRankLowSnrDb) || !float.IsFinite(NmfRankHighSnrDb) || NmfRankLowSnrDb > NmfRankHighSnrDb)
            throw new ArgumentOutOfRangeException(nameof(NmfRankLowSnrDb), $"The NMF rank's SNR range [{NmfRankLowSnrDb}, {NmfRankHighSnrDb}] dB must be finite and in order.");
        if (MaxIterations < 0) throw new ArgumentOutOfRangeException(nameof(MaxIterations), MaxIterations, "Iterations must be ≥ 0.");
        if (BurnIn < 0 || MhSteps <= BurnIn) throw new ArgumentOutOfRangeException(nameof(MhSteps), MhSteps, $"MH steps must exceed the burn-in ({BurnIn}).");
        if (FinalBurnIn < 0 || FinalMhSteps <= FinalBurnIn) throw new ArgumentOutOfRangeException(nameof(FinalMhSteps), FinalMhSteps, $"Final MH steps must exceed the final burn-in ({FinalBurnIn}).");
        if (!(LangevinStep >= 0) || !(LangevinDriftClip > 0)) throw new ArgumentOutOfRangeException(nameof(LangevinStep), "Langevin step must be ≥ 0 and the drift clip positive.");
        if (!(ProposalVariance > 0)) throw new ArgumentOutOfRangeException(nameof(ProposalVariance), ProposalVariance, "Proposal variance must be positive.");
        if (!(SpeechGainPenalty >= 0)) throw new ArgumentOutOfRangeException(nameof(SpeechGainPenalty), SpeechGainPenalty, "Speech gain penalty must be ≥ 0.");
        if (!(EncoderNoiseSubtraction >= 0)) throw new ArgumentOutOfRangeException(nameof(EncoderNoiseSubtraction), EncoderNoiseSubtraction, "Encoder noise subtraction must be ≥ 0.");
        if (EncoderPriorWeight is { } a && !(a >= 0 && a <= 1)) throw new ArgumentOutOfRangeException(nameof(EncoderPriorWeight), a, "Encoder prior weight must be in [0, 1].");
        if (!(EncoderPriorInflation > 0)) throw new ArgumentOutOfRangeException(nameof(EncoderPriorInflation), EncoderPriorInflation, "Encoder prior inflation must be positive.");
        if (!(NoiseOverestimation > 0)) throw new ArgumentOutOfRangeException(nameof(NoiseOverestimation), NoiseOverestimation, "Noise overestimation must be positive.");
        if (!(MaxAttenuationDb >= 0)) throw new ArgumentOutOfRangeException(nameof(MaxAttenuationDb), MaxAttenuationDb, "Maximum attenuation must be ≥ 0 dB.");
        if (!(StreamingPassWeight >= 0 && StreamingPassWeight <= 1)) throw new ArgumentOutOfRangeException(nameof(StreamingPassWeight), StreamingPassWeight, "Streaming pass weight must be in [0, 1].");
        if (StreamingPasses is { LookaheadFrames: not 0 } passes) throw new ArgumentOutOfRangeException(nameof(StreamingPasses), passes.LookaheadFrames, "The offline streaming passes take no lookahead.");
        if (TransientLimitDb is { } limit) TransientSuppressor.ValidateLimit(limit, nameof(TransientLimitDb));
        if (ClickLimitDb is { } clickLimit) TransientSuppressor.ValidateLimit(clickLimit, nameof(ClickLimitDb));
        Streaming.ClickSuppressor.ValidateCrossovers(ClickCrossoversHz, nameof(ClickCrossoversHz));
        if (!(HarmonicDepth >= 0 && HarmonicDepth <= 1)) throw new ArgumentOutOfRangeException(nameof(HarmonicDepth), HarmonicDepth, "Harmonic depth must be in [0, 1].");
        if (!(MaskSharpness > 0) || float.IsInfinity(MaskSharpness)) throw new ArgumentOutOfRangeException(nameof(MaskSharpness), MaskSharpness, "Mask sharpness must be finite and positive.");
        if (!(SpeechEqualizerCutDb >= 0) || !(SpeechEqualizerBoostDb >= 0) || float.IsInfinity(SpeechEqualizerCutDb) || float.IsInfinity(SpeechEqualizerBoostDb))
            throw new ArgumentOutOfRangeException(nameof(SpeechEqualizerCutDb), "The speech equaliser's cut and boost must be finite and ≥ 0 dB.");
        if (MaskSmoothingFrames < 0 || MaskSmoothingFrames > 16) throw new ArgumentOutOfRangeException(nameof(MaskSmoothingFrames), MaskSmoothingFrames, "Mask smoothing must be 0–16 frames.");
        if (!(SegmentSeconds > 0) || !(SegmentOverlapSeconds >= 0)) throw new ArgumentOutOfRangeException(nameof(SegmentSeconds), "Segment length must be positive and overlap non-negative.");
    }
}

/// <summary>Entry points that build enhancers from a speech model; used by the hosts and by plugin hosts.</summary>
public static class Denoiser
{
    /// <summary>
    /// The whole-buffer enhancer; its streaming passes mix in the optional companion model at low SNR as the live enhancer
    /// does (e.g. <see cref="ModelPackage.LoadCompanion"/> with the embedded default). The models are not owned.
    /// </summary>
    public static IEnhancer CreateOffline(IVarianceModel model, OfflineOptions? options = null, IVarianceModel? companion = null) =>
        new OfflineEnhancer(model, options, companion);

    /// <summary>
    /// The live enhancer, with an optional companion model mixed in at low SNR (see <see cref="StreamingEnhancer"/>; e.g.
    /// <see cref="ModelPackage.LoadCompanion"/> with the embedded default). The models are not owned: dispose them after the processor.
    /// </summary>
    public static IStreamProcessor CreateStreaming(IVarianceModel model, StreamingOptions? options = null, IVarianceModel? companion = null) =>
        new StreamingEnhancer(model, options, companion);
}
