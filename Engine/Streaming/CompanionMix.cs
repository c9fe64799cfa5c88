using System.Numerics.Tensors;
using RealtimeDenoise.Dsp;
using RealtimeDenoise.Enhancement;
using RealtimeDenoise.Models;

namespace RealtimeDenoise.Streaming;

/// <summary>
/// Two frame processors on the same frames, their filtered frames mixed bin by bin as (1 − w)·primary + w·companion. The
/// companion is the speech model with an encoder trained on noisy speech (<c>models/noise-aware</c>): alone it is better
/// than the primary at 5 dB SNR and below and worse at 10 dB and on clean speech, and the two err differently, so a mix
/// beats either. w follows the SNR the primary finds in each band (<see cref="BandEdges"/>): the energy of its output
/// against the input's over <see cref="TimeConstantSeconds"/>, w = <see cref="StreamingOptions.CompanionWeight"/> at or
/// below <see cref="LowSnrDb"/>, falling linearly to 0 at <see cref="HighSnrDb"/>, so clean speech passes as the primary
/// alone passes it. w also ramps up over the first time constant, while the SNR estimates settle. No allocation, lock or
/// I/O per frame.
/// </summary>
/// <remarks>
/// Noise is rarely equally loud across the spectrum (wind and road sit low, rain and hiss high), so one broadband SNR
/// mixes the companion in where the primary does well and holds it back where it is needed. Per band, dev-test / the
/// tuning set / its moodist_* noises (SI-SDRi dB and STOI, streaming): 6.39 / 5.86 / 5.93 dB and 0.7702 / 0.7700 / 0.7927
/// broadband, 6.54 / 5.95 / 5.96 and 0.7717 / 0.7711 / 0.7939 in these 24 bands (a second sampler seed: 6.41 → 6.56 dB and
/// 0.7698 → 0.7711 on dev-test); the 24 clean files 26.9 / 20.4 → 26.7 / 20.4 dB SI-SDR (mean / worst). Measured on the
/// way (dev-test): 2 / 6 / 12 bands 6.49 / 6.50 / 6.54 dB; 33 sixth-octave bands 6.54; every bin on its own 6.51 (each
/// bin's estimate is noisier); masks mixed geometrically 6.57 dB but STOI 0.7705; a larger share at low or at high
/// frequencies (0.9 falling to 0.5, or the reverse), 6.52 / 6.53 dB and STOI 0.7708 / 0.7717; weights 0.8 / 0.9, 6.56 /
/// 6.57 dB, STOI 0.7712 / 0.7697; SNR ranges −5–10 / 0–15 / 5–15 dB, 6.48 / 6.56 / 6.55, time constants 0.5 / 2 s 6.54 /
/// 6.50, all within ±0.0006 STOI.
/// </remarks>
internal sealed class CompanionMix : ISideChainSpectralProcessor
{
    /// <summary>
    /// Estimated SNR at or below which the companion has its full weight. Measured broadband on dev-test / the tuning set (SI-SDRi dB,
    /// streaming, mean of two seeds, weight 0.5; primary alone 6.01 / 5.36): a fixed half-and-half mix 6.34 / 5.80 but the worst of the 24
    /// dev-test clean files fell from 20.2 to 19.2 dB SI-SDR (19.9 at weight 0.2); SNR-following between 0 and 10 dB,
    /// 6.31 / 5.79 with the worst clean file at 20.1; between 5 and 15 dB, 6.35 / 5.82, but it took 0.06 dB at 10 dB SNR.
    /// Those were outputs mixed after the fact; as built here: 0–10 dB 6.28 / 5.75, 2–12 dB 6.32 / 5.79, 5–15 dB 6.34 / 5.81
    /// (worst clean file 20.1 for all three). 0–10 keeps high-SNR speech as the primary alone treats it.
    /// </summary>
    public const float LowSnrDb = 0f;

    /// <summary>Estimated SNR from which the primary is used alone (see <see cref="LowSnrDb"/>).</summary>
    public const float HighSnrDb = 10f;

    /// <summary>Time constant of the energies the SNR is estimated from: long enough to span a few words and the pauses between them.</summary>
    public const float TimeConstantSeconds = 1f;

    /// <summary>Width of the bands below <see cref="QuarterOctavesFromHz"/>: there speech has most of its energy and noises differ most.</summary>
    public const double LowBandHz = 62.5;

    /// <summary>From here up the bands are quarter octaves (each octave split into four equal widths).</summary>
    public const double QuarterOctavesFromHz = 500;

    private readonly ISideChainSpectralProcessor _primary, _companion;
    private readonly float[] _companionReal, _companionImag, _weights;
    private readonly int[] _edges;
    private readonly double[] _inputEnergy, _outputEnergy;
    private readonly float _maxWeight, _decay;
    private readonly long _rampFrames;
    private long _frames;

    public CompanionMix(ISideChainSpectralProcessor primary, ISideChainSpectralProcessor companion, int bins, int hopSize, int sampleRate, float maxWeight)
    {
        ArgumentNullException.ThrowIfNull(primary);
        ArgumentNullException.ThrowIfNull(companion);
        if (primary.LookaheadFrames != companion.LookaheadFrames)
            throw new ArgumentException($"The companion looks ahead {companion.LookaheadFrames} frames, the primary {primary.LookaheadFrames}.", nameof(companion));
        if (!(maxWeight >= 0 && maxWeight <= 1)) throw new ArgumentOutOfRangeException(nameof(maxWeight), maxWeight, "Companion weight must be in [0, 1].");
        _primary = primary;
        _companion = companion;
        _maxWeight = maxWeight;
        _companionReal = new float[bins];
        _companionImag = new float[bins];
        _weights = new float[bins];
        _edges = BandEdges(bins, sampleRate);
        _inputEnergy = new double[_edges.Length - 1];
        _outputEnergy = new double[_edges.Length - 1];
        double framesPerConstant = TimeConstantSeconds * sampleRate / hopSize;
        _decay = (float)Math.Exp(-1 / framesPerConstant);
        _rampFrames = (long)Math.Ceiling(framesPerConstant);
    }

    /// <summary>
    /// The bins where each band starts, and <paramref name="bins"/> last: <see cref="LowBandHz"/> wide up to
    /// <see cref="QuarterOctavesFromHz"/>, quarter octaves above (24 bands at 16 kHz, n_fft 512). Bands narrower than a bin merge.
    /// </summary>
    public static int[] BandEdges(int bins, int sampleRate)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bins, 2);
        double binHz = sampleRate / (2.0 * (bins - 1)), nyquist = sampleRate / 2.0;
        var edges = new List<int> { 0 };
        void Add(double hz)
        {
            int bin = (int)Math.Round(hz / binHz);
            if (bin > edges[^1] && bin < bins) edges.Add(bin);
        }
        for (double hz = LowBandHz; hz < QuarterOctavesFromHz; hz += LowBandHz) Add(hz);
        for (double octave = QuarterOctavesFromHz; octave < nyquist; octave *= 2)
            for (int quarter = 0; quarter < 4; quarter++) Add(octave * (1 + quarter / 4.0));
        edges.Add(bins);
        return [.. edges];
    }

    public int LookaheadFrames => _primary.LookaheadFrames;

    /// <summary>Throws unless <paramref name="companion"/> works on the same STFT frames as <paramref name="model"/>.</summary>
    public static void CheckCompanion(IVarianceModel model, IVarianceModel companion, string paramName)
    {
        ModelCard card = model.Card, other = companion.Card;
        if (other.FftSize != card.FftSize || other.HopSize != card.HopSize || other.SampleRate != card.SampleRate || companion.Bins != model.Bins)
            throw new ArgumentException($"The companion model's STFT (n_fft {other.FftSize}, hop {other.HopSize}, {other.SampleRate} Hz, {companion.Bins} bins) " +
                                        $"differs from the model's (n_fft {card.FftSize}, hop {card.HopSize}, {card.SampleRate} Hz, {model.Bins} bins).", paramName);
    }

    /// <summary>The companion's share in each bin of the last frame written.</summary>
    public ReadOnlySpan<float> LastWeights => _weights;

    /// <summary>The companion's share for an SNR estimate: full at or below <see cref="LowSnrDb"/>, none at or above <see cref="HighSnrDb"/>, linear between.</summary>
    public static float Share(double snrDb, float maxWeight) =>
        maxWeight * (float)Math.Clamp((HighSnrDb - snrDb) / (HighSnrDb - LowSnrDb), 0, 1);

    public void ProcessFrame(ReadOnlySpan<float> inReal, ReadOnlySpan<float> inImag, Span<float> outReal, Span<float> outImag) =>
        ProcessFrame(inReal, inImag, inReal, inImag, outReal, outImag);

    public void ProcessFrame(ReadOnlySpan<float> analysisReal, ReadOnlySpan<float> analysisImag,
        ReadOnlySpan<float> inReal, ReadOnlySpan<float> inImag, Span<float> outReal, Span<float> outImag)
    {
        _primary.ProcessFrame(analysisReal, analysisImag, inReal, inImag, outReal, outImag);
        _companion.ProcessFrame(analysisReal, analysisImag, inReal, inImag, _companionReal, _companionImag);
        int bins = _companionReal.Length;
        _frames++;
        float ramp = Math.Min(1f, (float)_frames / _rampFrames);
        for (int band = 0; band + 1 < _edges.Length; band++)
        {
            Range r = _edges[band].._edges[band + 1];
            // With lookahead the output is k frames older than the input; over a one-second average that does not matter.
            double input = TensorPrimitives.Dot(inReal[r], inReal[r]) + TensorPrimitives.Dot(inImag[r], inImag[r]);
            double output = TensorPrimitives.Dot(outReal[r], outReal[r]) + TensorPrimitives.Dot(outImag[r], outImag[r]);
            double inputEnergy = _inputEnergy[band] = _decay * _inputEnergy[band] + (1 - _decay) * input;
            double outputEnergy = _outputEnergy[band] = _decay * _outputEnergy[band] + (1 - _decay) * output;
            // What the primary removed is its noise; the floor keeps the ratio finite when it removed nothing.
            double removed = Math.Max(inputEnergy - outputEnergy, 1e-3 * inputEnergy);
            float w = inputEnergy > 0 ? ramp * Share(10 * Math.Log10(outputEnergy / removed), _maxWeight) : 0f;
            _weights.AsSpan(r).Fill(w);
        }
        // out += w·(companion − out)
        TensorPrimitives.Subtract(_companionReal, outReal[..bins], _companionReal);
        TensorPrimitives.MultiplyAdd(_companionReal, _weights, outReal[..bins], outReal[..bins]);
        TensorPrimitives.Subtract(_companionImag, outImag[..bins], _companionImag);
        TensorPrimitives.MultiplyAdd(_companionImag, _weights, outImag[..bins], outImag[..bins]);
    }

    public void Reset()
    {
        _primary.Reset();
        _companion.Reset();
        Array.Clear(_inputEnergy);
        Array.Clear(_outputEnergy);
        Array.Clear(_weights);
        _frames = 0;
    }
}
