namespace RealtimeDenoise.Enhancement;

/// <summary>
/// Settings of the streaming (frame-online) enhancer, ALGORITHM.md §4. Defaults were chosen by
/// measurement on dev-test and the tuning set (noise-train noises) under the per-frame cost budget, averaged
/// over three sampler seeds (one seed moves the means by about ±0.1 dB): decision-directed α 0.3, 6 updates,
/// 4 refinement rounds, gain penalty 220, 20 dB floor gave +0.12 / +0.16 dB SI-SDRi and +0.001 / +0.003 STOI
/// (dev-test / tuning set) over α 0, 3 updates, 2 rounds, 300, 25 dB.
/// </summary>
public sealed class StreamingOptions
{
    /// <summary>K, the number of NMF components of the online noise model.</summary>
    public int NmfRank { get; set; } = 8;

    /// <summary>
    /// Latent candidates per frame, decoded in one batched call: the previous frame's z, the encoder
    /// mean, and draws from the encoder posterior N(μ, diag exp λ·<see cref="ProposalScale"/>²).
    /// </summary>
    public int Candidates { get; set; } = 8;

    /// <summary>Scale of the candidate draws around the encoder mean, relative to the encoder's posterior std.</summary>
    public float ProposalScale { get; set; } = 1f;

    /// <summary>Extra rounds per frame that redraw the candidates around the most probable one (at half the spread each round) and decode them again.</summary>
    public int RefinementRounds { get; set; } = 4;

    /// <summary>Multiplicative updates of the frame's activations h and speech gain g per frame.</summary>
    public int Updates { get; set; } = 6;

    /// <summary>Time constant of the exponential forgetting of the online NMF statistics (seconds).</summary>
    public float ForgettingSeconds { get; set; } = 3f;

    /// <summary>Frames whose mean spectrum seeds W at a cold start (and after <c>Reset</c>).</summary>
    public int SeedFrames { get; set; } = 8;

    /// <summary>
    /// Frames of lookahead k (0–8); latency grows by k·hop. The mask of a frame is averaged with up to 2 frames on each
    /// side instead of the recursive smoothing (<see cref="MaskTimeSmoothing"/>, <see cref="MaskRiseSmoothing"/>), and from
    /// k = 4 on <see cref="TransientLimitDb"/> applies if set.
    /// Measured without a companion (SI-SDRi dB dev-test / 48-pair tuning set, two seeds, with both click gates): k = 0 6.01 / 5.36, 2 6.07 /
    /// 5.45, 4 the same as 2 (the average spans ±2 frames; more lookahead only adds latency), 4 with the spectral
    /// suppressor at 8 dB instead of the gates 5.94 / 5.41. Earlier, with one broadband output gate and no analysis gate:
    /// k = 0 5.50 / 5.00, 2 5.60 / 5.10 (without the gate 5.03 / 4.77 and 5.15 / 4.86), 4 with the suppressor 5.77 / 5.16.
    /// </summary>
    public int LookaheadFrames { get; set; }

    /// <summary>
    /// Limit (dB) of the <see cref="TransientSuppressor"/> (key strikes, clicks) for streams with enough lookahead: it
    /// works when <see cref="LookaheadFrames"/> is at least its half-window (4 frames, 32 ms, at hop 128 and 16 kHz) and
    /// is off with less, since without the frames after it a click cannot be told from a speech onset; null: off.
    /// Measured at lookahead 4 with the earlier 9-frame mask average (SI-SDRi dB, dev-test / the 48-pair tuning set; the
    /// 24 dev-test clean files as input, mean / worst SI-SDR): off 4.98 / 4.67, 25.4 / 19.4; 8 dB 5.48 / 4.93 (typewriter
    /// 3.9 → 8.1), 24.5 / 19.2. With the ±2-frame average: 8 dB 5.77 / 5.16, 27.0 / 20.3; 7 dB 5.84 / 5.19, 26.5 / 20.2;
    /// 6 dB 5.90 / 5.22, 25.8 / 20.1 (too close to the 20 dB that clean speech must keep, and 8 dB is the offline limit).
    /// Off by default since the two click gates (<see cref="ClickCrossoversHz"/>, <see cref="AnalysisClickLimitDb"/>), which
    /// step aside where it runs, measure better at every lookahead: at k = 4 (two seeds) 8 dB 5.94 / 5.41, off 6.08 / 5.45.
    /// </summary>
    public float? TransientLimitDb { get; set; }

    /// <summary>
    /// Limit (dB) of the time-domain <see cref="Streaming.ClickSuppressor"/> on the output: a 4.5 ms block of the input (in
    /// each band of <see cref="ClickCrossoversHz"/>; pre-emphasised when there is one band) whose energy lies more than this
    /// above the median of ±22.5 ms around it is turned down to that level, at most by <see cref="MaxAttenuationDb"/>. It looks ahead within the STFT's own latency, so it adds none;
    /// it steps aside where <see cref="TransientLimitDb"/> is set and runs (lookahead ≥ 4); null: off. Measured at lookahead 0 with one
    /// broadband band (SI-SDRi dB, dev-test / tuning set; the 24 dev-test clean files as input, mean / worst SI-SDR): off 5.03 / 4.77,
    /// 28.5 / 20.6; 7 dB 5.50 / 5.00, 26.7 / 20.6; 6 dB 5.52 / 5.00, 26.2 / 19.4; 8 dB 5.47 / 4.99, 27.1 / 20.6.
    /// </summary>
    public float? ClickLimitDb { get; set; } = 7f;

    /// <summary>
    /// Limit (dB) of the <see cref="Streaming.AnalysisClickGate"/>: what the speech and noise models see (not what is heard)
    /// has key strikes turned down in the bands above the first of <see cref="ClickCrossoversHz"/>, each 4 ms block against
    /// the median of itself and the 40 ms before it, so the mask does not open for them; it steps aside where
    /// <see cref="TransientLimitDb"/> is set and runs. null: off. Measured (SI-SDRi dB, dev-test / tuning set, two seeds;
    /// the 24 dev-test clean files as input forwards and backwards, mean / worst SI-SDR): off 5.77 / 5.30, 26.6 / 21.2,
    /// 26.2 / 17.2; 10 dB 6.01 / 5.36 (one seed: typewriter 7.1 → 8.8, keyboard 6.9 → 7.4, train 3.0 → 3.4; dishes and
    /// storm −0.2), 26.2 / 20.2, 26.0 / 18.1; 8 dB 6.03 / 5.38; 12 dB 5.98 / 5.32. In a prototype (4.5 ms blocks): the low
    /// band gated too, 12 dB 5.91 / 5.37 but clean files 24.9 / 20.8 (speech onsets taken from what the models see); the past
    /// 16 or 20 blocks instead of 10, within 0.04 dB; as an oracle, the centred (non-causal) two-band gate on what the models
    /// see, 5.93 / 5.98 dB at 7 / 4 dB (one seed).
    /// </summary>
    public float? AnalysisClickLimitDb { get; set; } = 10f;

    /// <summary>
    /// Crossover frequencies (Hz, ascending) of the bands the <see cref="Streaming.ClickSuppressor"/> gates apart, each band
    /// against its own median, so a key strike is taken out of the high band while the voice under it keeps the low band;
    /// empty: one broadband gate (on the pre-emphasised input). Measured with the 7 dB limit (SI-SDRi dB, dev-test / tuning
    /// set, two seeds; the 24 dev-test clean files as input, mean / worst SI-SDR): one band 5.68 / 5.26, 26.5 / 20.8;
    /// 2 kHz 5.77 / 5.30 (typewriter 6.45 → 7.09), 26.6 / 21.2; 1 and 2.5 kHz 5.78 / 5.31, 26.3 / 20.6; 0.7 and 2 kHz
    /// 5.77 / 5.32; 1, 2 and 4 kHz 5.78 / 5.30; the high band alone (2 kHz, the low band never gated) 5.79 / 5.24
    /// (the tuning set's keyboard has its thump below 2 kHz). Limits of 6 / 5 dB with 2 kHz: 5.80 / 5.33 and 5.82 / 5.37,
    /// but the worst clean file 19.7 / 18.4.
    /// </summary>
    public float[] ClickCrossoversHz { get; set; } = [2000f];

    /// <summary>
    /// λ of a half-Gaussian prior p(g) ∝ exp(−λ·g²/2) on the speech gain (g = 1 is speech at the training level);
    /// the multiplicative update becomes g ← g·[Σ p·S/V² ⁄ (Σ S/V + λ·g)]^½.
    /// Where speech and noise models explain a frame equally well it tips the balance to the noise model,
    /// so noise-only frames are attenuated; 0 is the plain maximum-likelihood update.
    /// </summary>
    public float SpeechGainPenalty { get; set; } = 220f;

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

    /// <summary>
    /// The noise power the mask is computed with is at least this times the per-bin minimum-statistics noise floor
    /// (Martin 2001; minimum over 3 s of the smoothed power, times 2); 0: the NMF noise model alone. Measured with a 2 s
    /// window (SI-SDRi dB, streaming, dev-test / tuneset): 0: 4.88 / 4.60; 0.5: 4.97 / 4.68; 1: 5.01 / 4.74; 2: 4.91 / 4.68.
    /// </summary>
    public float MinimumStatisticsFloorWeight { get; set; } = 1f;

    /// <summary>Maximum attenuation of the mask in dB (gain floor).</summary>
    public float MaxAttenuationDb { get; set; } = 20f;

    /// <summary>
    /// Recursive smoothing of the mask over time where it falls, 0 (none) to &lt;1, against musical noise; without
    /// lookahead only (where it rises, <see cref="MaskRiseSmoothing"/>). Measured with the embedded companion, its share
    /// per band (SI-SDRi dB / STOI, mean of two seeds; dev-test, the tuning set, its moodist_* noises; the 24 dev-test clean
    /// files as input, mean / worst SI-SDR, first seed): 0.3: 6.55 / 0.7714, 5.92 / 0.7709, 5.96 / 0.7935, 26.7 / 20.4;
    /// 0.5: 6.54 / 0.7721, 5.91 / 0.7716, 5.93 / 0.7938, 27.0 / 20.8; 0.6: 6.52 / 0.7724, 5.90 / 0.7720, 5.90 / 0.7938, 27.2 /
    /// 21.2; 0.7 (one seed): 6.48 / 0.7724. 0.5 gains STOI on every set and seed and keeps clean speech closer to itself for
    /// 0.01–0.03 dB. The offline enhancer's passes use it too: 7.36 → 7.40 dB on dev-test, 6.83 → 6.85 on the tuning set
    /// (0.7: 7.39 / 6.86). Smoothing the mixed output instead of each processor's mask measured the same.
    /// </summary>
    public float MaskTimeSmoothing { get; set; } = 0.5f;

    /// <summary>
    /// Recursive smoothing of the mask over time where it rises, 0 (none: the gain opens at once) to &lt;1; without
    /// lookahead only. Smoothing a rising mask holds back speech onsets. Measured with the embedded companion at weight
    /// 0.7 (SI-SDRi dB / STOI, mean of two seeds; dev-test, and the tuning set's noises the companion was not trained on):
    /// 0.3 (the same as the fall): 6.32 / 0.767 and 5.95 / 0.790; 0.1: 6.37 / 0.769 and 5.94; 0: 6.38 / 0.769 and
    /// 5.92 / 0.792. The dev-test clean files as input: mean 26.2 → 26.9 dB, worst 20.1 → 20.4 (played backwards 18.3 → 18.8).
    /// Without a companion, 0.3: 6.01 / 0.764 and 5.31 / 0.786; 0: 6.00 / 0.765 and 5.23 / 0.787.
    /// </summary>
    public float MaskRiseSmoothing { get; set; }

    /// <summary>3-tap smoothing of the mask across frequency, 0 (none) to 1.</summary>
    public float MaskFrequencySmoothing { get; set; }

    /// <summary>Scale the power the speech model sees so the running active level matches the model's training level.</summary>
    public bool NormalizeLevel { get; set; } = true;

    /// <summary>
    /// α of a decision-directed a-priori SNR: the model's SNR is blended with the previous frame's output power
    /// over the noise, ξ = α·|Ŝ_{t−1}|²/v + (1 − α)·ξ_model (Ephraim and Malah 1984); 0 is the model's mask alone.
    /// </summary>
    public float DecisionDirected { get; set; } = 0.3f;

    /// <summary>
    /// Greatest depth of the harmonic comb that gives the speech variances of voiced frames their fine structure in the
    /// mask (<see cref="HarmonicComb"/>), 0 (off) to 1; the depth follows the frame's voicing. Measured (streaming, SI-SDRi
    /// dB, dev-test / tuning set): 0: 5.50 / 5.00; 0.9: 5.72 / 5.30; 1 (peak shape p = 3): 5.71 / 5.29. With the pitch of the clean
    /// frame instead of the one found in the noisy frame, 0.9 gives 6.06: pitch errors in noise cost the rest.
    /// </summary>
    public float HarmonicDepth { get; set; } = 0.9f;

    /// <summary>The comb shapes the speech variance up to this frequency (Hz); see <see cref="HarmonicComb.DefaultTopHz"/>.</summary>
    public float HarmonicTopHz { get; set; } = HarmonicComb.DefaultTopHz;

    /// <summary>
    /// Largest share, 0 (off) to 1, of the companion model's output where one is given to the enhancer
    /// (<see cref="Streaming.CompanionMix"/>: reached at 0 dB estimated SNR in a band, none from 10 dB). Measured with the embedded
    /// companion, <see cref="MaskRiseSmoothing"/> 0 and one broadband SNR (SI-SDRi dB / STOI, mean of two seeds; dev-test, and the tuning set's
    /// noises the noise-aware encoder was not trained on, moodist_*): 0: 6.00 / 0.765 and 5.23 / 0.787; 0.5: 6.33 / 0.769 and 5.78 / 0.792;
    /// 0.7: 6.38 / 0.769 and 5.92 / 0.792; 0.85: 6.38 / 0.768 and 5.98 / 0.791; 1: 6.34 / 0.766 and 6.00 / 0.788. The
    /// dev-test clean files pass as with 0 (worst 20.4 dB SI-SDR): the share is 0 at their SNR. A fixed half-and-half mix cost clean speech
    /// (see <see cref="Streaming.CompanionMix.LowSnrDb"/>). Drawing half of one processor's candidates from the companion's
    /// encoder instead gained nothing (6.04 / 5.35 on dev-test and the whole tuning set): the gain comes from two processors
    /// that track the noise apart. With the SNR estimated per band, on dev-test: 0.7: 6.54 / 0.7717; 0.8: 6.56 / 0.7712;
    /// 0.9: 6.57 / 0.7697 (one seed).
    /// </summary>
    public float CompanionWeight { get; set; } = 0.7f;

    /// <summary>Frames over which the mask fades to 1 (bypass on) or back (bypass off), so toggling does not click.</summary>
    public int BypassFadeFrames { get; set; } = 8;

    public int Seed { get; set; } = 20241120;

    internal void Validate()
    {
        if (NmfRank < 1) throw new ArgumentOutOfRangeException(nameof(NmfRank), NmfRank, "NMF rank must be at least 1.");
        if (Candidates < 1) throw new ArgumentOutOfRangeException(nameof(Candidates), Candidates, "At least one latent candidate is needed.");
        if (!(ProposalScale >= 0)) throw new ArgumentOutOfRangeException(nameof(ProposalScale), ProposalScale, "Proposal scale must be ≥ 0.");
        if (RefinementRounds < 0 || RefinementRounds > 8) throw new ArgumentOutOfRangeException(nameof(RefinementRounds), RefinementRounds, "Refinement rounds must be 0–8.");
        if (Updates < 1) throw new ArgumentOutOfRangeException(nameof(Updates), Updates, "At least one update per frame is needed.");
        if (!(ForgettingSeconds > 0)) throw new ArgumentOutOfRangeException(nameof(ForgettingSeconds), ForgettingSeconds, "Forgetting time constant must be positive.");
        if (SeedFrames < 1) throw new ArgumentOutOfRangeException(nameof(SeedFrames), SeedFrames, "At least one seed frame is needed.");
        if (TransientLimitDb is { } limit) TransientSuppressor.ValidateLimit(limit, nameof(TransientLimitDb));
        if (ClickLimitDb is { } clickLimit) TransientSuppressor.ValidateLimit(clickLimit, nameof(ClickLimitDb));
        if (AnalysisClickLimitDb is { } analysisLimit) TransientSuppressor.ValidateLimit(analysisLimit, nameof(AnalysisClickLimitDb));
        Streaming.ClickSuppressor.ValidateCrossovers(ClickCrossoversHz, nameof(ClickCrossoversHz));
        if (!(CompanionWeight >= 0 && CompanionWeight <= 1)) throw new ArgumentOutOfRangeException(nameof(CompanionWeight), CompanionWeight, "Companion weight must be in [0, 1].");
        if (LookaheadFrames < 0 || LookaheadFrames > 8) throw new ArgumentOutOfRangeException(nameof(LookaheadFrames), LookaheadFrames, "Lookahead must be 0–8 frames.");
        if (!(SpeechGainPenalty >= 0)) throw new ArgumentOutOfRangeException(nameof(SpeechGainPenalty), SpeechGainPenalty, "Speech gain penalty must be ≥ 0.");
        if (!(EncoderNoiseSubtraction >= 0)) throw new ArgumentOutOfRangeException(nameof(EncoderNoiseSubtraction), EncoderNoiseSubtraction, "Encoder noise subtraction must be ≥ 0.");
        if (!(DecisionDirected >= 0 && DecisionDirected < 1)) throw new ArgumentOutOfRangeException(nameof(DecisionDirected), DecisionDirected, "Decision-directed α must be in [0, 1).");
        if (EncoderPriorWeight is { } a && !(a >= 0 && a <= 1)) throw new ArgumentOutOfRangeException(nameof(EncoderPriorWeight), a, "Encoder prior weight must be in [0, 1].");
        if (!(EncoderPriorInflation > 0)) throw new ArgumentOutOfRangeException(nameof(EncoderPriorInflation), EncoderPriorInflation, "Encoder prior inflation must be positive.");
        if (!(NoiseOverestimation > 0)) throw new ArgumentOutOfRangeException(nameof(NoiseOverestimation), NoiseOverestimation, "Noise overestimation must be positive.");
        if (!(MinimumStatisticsFloorWeight >= 0) || float.IsInfinity(MinimumStatisticsFloorWeight))
            throw new ArgumentOutOfRangeException(nameof(MinimumStatisticsFloorWeight), MinimumStatisticsFloorWeight, "Minimum-statistics floor weight must be finite and ≥ 0.");
        if (!(MaxAttenuationDb >= 0)) throw new ArgumentOutOfRangeException(nameof(MaxAttenuationDb), MaxAttenuationDb, "Maximum attenuation must be ≥ 0 dB.");
        if (!(MaskTimeSmoothing >= 0 && MaskTimeSmoothing < 1)) throw new ArgumentOutOfRangeException(nameof(MaskTimeSmoothing), MaskTimeSmoothing, "Time smoothing must be in [0, 1).");
        if (!(MaskRiseSmoothing >= 0 && MaskRiseSmoothing < 1)) throw new ArgumentOutOfRangeException(nameof(MaskRiseSmoothing), MaskRiseSmoothing, "Rise smoothing must be in [0, 1).");
        if (!(MaskFrequencySmoothing >= 0 && MaskFrequencySmoothing <= 1)) throw new ArgumentOutOfRangeException(nameof(MaskFrequencySmoothing), MaskFrequencySmoothing, "Frequency smoothing must be in [0, 1].");
        if (!(HarmonicDepth >= 0 && HarmonicDepth <= 1)) throw new ArgumentOutOfRangeException(nameof(HarmonicDepth), HarmonicDepth, "Harmonic depth must be in [0, 1].");
        if (!(HarmonicTopHz >= 800 && float.IsFinite(HarmonicTopHz))) throw new ArgumentOutOfRangeException(nameof(HarmonicTopHz), HarmonicTopHz, "Harmonic top frequency must be at least 800 Hz.");
        if (BypassFadeFrames < 1) throw new ArgumentOutOfRangeException(nameof(BypassFadeFrames), BypassFadeFrames, "Bypass fade needs at least one frame.");
    }
}
