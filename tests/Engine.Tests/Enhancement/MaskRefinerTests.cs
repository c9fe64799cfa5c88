using RealtimeDenoise.Dsp;
using RealtimeDenoise.Enhancement;
using RealtimeDenoise.Models;
using static RealtimeDenoise.Engine.Tests.Enhancement.TestSignals;

namespace RealtimeDenoise.Engine.Tests.Enhancement;

/// <summary>The learnt mask refiner: its inputs against a plain re-derivation, its network against a naive product, its file, and its place in the offline enhancer.</summary>
public class MaskRefinerTests
{
    private const int D = MaskRefinerFeatures.Count;

    /// <summary>Stages of a random segment: masks in (0, 1], power and noise spread over decades.</summary>
    internal static OfflineMaskStages RandomStages(int frames, int bins, int seed)
    {
        var r = new Random(seed);
        var spec = new Spectrogram(frames, bins);
        for (int i = 0; i < spec.Real.Length; i++)
        {
            float level = MathF.Pow(10f, (float)(r.NextDouble() * 6 - 4));
            spec.Real[i] = level * (float)(r.NextDouble() - 0.5);
            spec.Imag[i] = level * (float)(r.NextDouble() - 0.5);
        }
        float[] Mask(double low) => [.. Enumerable.Range(0, frames * bins).Select(_ => (float)(low + (1 - low) * r.NextDouble()))];
        var transient = Mask(0.3);
        var final = Mask(0.03);
        for (int i = 0; i < final.Length; i++) final[i] = Math.Max(0.0316f, final[i] * transient[i]);
        var noise = Enumerable.Range(0, frames * bins).Select(_ => MathF.Pow(10f, (float)(r.NextDouble() * 6 - 5))).ToArray();
        return new OfflineMaskStages(spec, spec.Power(), Mask(1e-4), Mask(1e-4), Mask(1e-4), noise, transient, final);
    }

    internal static MaskRefinerWeights RandomWeights(int hidden, int seed, bool zeroOutput = false)
    {
        var r = new Random(seed);
        float[] Values(int n, double s) => [.. Enumerable.Range(0, n).Select(_ => (float)((r.NextDouble() * 2 - 1) * s))];
        var last = new MaskRefinerLayer { Inputs = hidden, Outputs = 1, Weight = Values(hidden, zeroOutput ? 0 : 0.3), Bias = zeroOutput ? [0f] : Values(1, 0.3) };
        return new MaskRefinerWeights
        {
            InputMean = Values(D, 0.5),
            InputScale = [.. Values(D, 0.5).Select(v => 0.6f + v)],
            Layers =
            [
                new MaskRefinerLayer { Inputs = D, Outputs = hidden, Weight = Values(hidden * D, 0.2), Bias = Values(hidden, 0.2) },
                new MaskRefinerLayer { Inputs = hidden, Outputs = hidden, Weight = Values(hidden * hidden, 0.3), Bias = Values(hidden, 0.2) },
                last,
            ],
        };
    }

    [Fact]
    public void Features_MatchAPlainDerivation()
    {
        const int frames = 11, bins = 9;
        var s = RandomStages(frames, bins, seed: 1);
        var features = new MaskRefinerFeatures();
        features.Prepare(s);
        // The loud-frame reference: 95th percentile of ln Σ_f p by linear interpolation between order statistics.
        var frameLog = Enumerable.Range(0, frames).Select(n => Math.Log(Enumerable.Range(0, bins).Sum(f => s.Power[n * bins + f] + 1e-12) + 1e-9)).OrderBy(v => v).ToArray();
        double pos = 0.95 * (frames - 1), reference = frameLog[(int)pos] + (pos - (int)pos) * (frameLog[(int)pos + 1] - frameLog[(int)pos]);
        double Clip(double m) => Math.Min(1, Math.Max(1e-3, m));
        double Map(int k, int n, int f)
        {
            n = Math.Min(frames - 1, Math.Max(0, n));
            f = Math.Min(bins - 1, Math.Max(0, f));
            int i = n * bins + f;
            double p = s.Power[i] + 1e-12;
            return k switch
            {
                0 => Math.Log(Clip(s.EmMask[i])),
                1 => Math.Log(Clip(s.ForwardMask[i])),
                2 => Math.Log(Clip(Clip(s.PassesMask[i]) * Clip(s.PassesMask[i]) / Clip(s.ForwardMask[i]))),
                3 => Math.Log(Clip(s.FinalMask[i])),
                4 => Math.Log(Clip(s.TransientGain[i])),
                5 => Math.Clamp(Math.Log(p) - Math.Log(s.PassesNoise[i] + 1e-12), -10, 15) / 5,
                _ => Math.Clamp(Math.Log(p) - reference, -30, 5) / 10,
            };
        }
        int[] frameOffsets = [-2, -1, 1, 2], binOffsets = [-1, 1, -2, 2]; // the order the shipped weights were trained with
        var row = new float[D];
        foreach (var (n, f) in new[] { (0, 0), (5, 4), (10, 8), (1, 7), (9, 1) })
        {
            features.WriteBin(n, f, row);
            var expected = new List<double>();
            for (int k = 0; k < 7; k++)
            {
                expected.Add(Map(k, n, f));
                expected.AddRange(frameOffsets.Select(d => Map(k, n + d, f)));
                expected.AddRange(binOffsets.Select(d => Map(k, n, f + d)));
                expected.AddRange(new[] { (-4, 0), (4, 0), (0, -4), (0, 4) }.Select(o => Map(k, n + o.Item1, f + o.Item2)));
            }
            expected.Add(f / (double)(bins - 1));
            expected.Add(Math.Pow(f / (double)(bins - 1), 2));
            for (int k = 0; k < 4; k++) expected.Add(Enumerable.Range(0, bins).Average(g => Map(k, n, g)));
            Assert.Equal(D, expected.Count);
            for (int d = 0; d < D; d++) Assert.True(Math.Abs(expected[d] - row[d]) < 2e-5, $"({n}, {f}) input {d}: {row[d]} vs {expected[d]}");
        }
    }

    [Fact]
    public void Percentile_MatchesNumpyValues()
    {
        // numpy.percentile([1, 2, 3, 4], 95) = 3.85; of [5] any quantile is 5.
        Assert.Equal(3.85f, MaskRefinerFeatures.Percentile([4f, 1f, 3f, 2f], 0.95), 5);
        Assert.Equal(5f, MaskRefinerFeatures.Percentile([5f], 0.95));
    }

    [Fact]
    public void Refine_MatchesANaiveForwardPass()
    {
        const int frames = 7, bins = 13, hidden = 6;
        var s = RandomStages(frames, bins, seed: 2);
        var weights = RandomWeights(hidden, seed: 3);
        var mask = new float[frames * bins];
        new MaskRefiner(weights).Refine(s, mask, minGain: 0.0316f);
        var features = new MaskRefinerFeatures();
        features.Prepare(s);
        var row = new float[D];
        for (int i = 0; i < mask.Length; i++)
        {
            features.WriteBin(i / bins, i % bins, row);
            double[] x = [.. row.Select((v, d) => (v - weights.InputMean[d]) / (double)weights.InputScale[d])];
            foreach (var (layer, l) in weights.Layers.Select((l, k) => (l, k)))
            {
                var y = new double[layer.Outputs];
                for (int o = 0; o < layer.Outputs; o++)
                {
                    y[o] = layer.Bias[o];
                    for (int d = 0; d < layer.Inputs; d++) y[o] += layer.Weight[o * layer.Inputs + d] * x[d];
                    if (l < weights.Layers.Count - 1) y[o] = Math.Max(0, y[o]);
                }
                x = y;
            }
            double g = Math.Clamp(s.TransientGain[i], 1e-3, 1), m0 = Math.Clamp(Math.Clamp(s.FinalMask[i], 1e-3, 1) / g, 1e-3, 1 - 1e-3);
            double expected = Math.Clamp(g / (1 + Math.Exp(-(Math.Log(m0 / (1 - m0)) + x[0]))), 0.0316, 1);
            Assert.True(Math.Abs(expected - mask[i]) < 1e-4, $"bin {i}: {mask[i]} vs {expected}");
        }
    }

    [Fact]
    public void ZeroCorrection_GivesBackTheFinalMask()
    {
        const int frames = 20, bins = 33;
        var s = RandomStages(frames, bins, seed: 4);
        var mask = new float[frames * bins];
        new MaskRefiner(RandomWeights(8, seed: 5, zeroOutput: true)).Refine(s, mask, minGain: 0.0316f);
        for (int i = 0; i < mask.Length; i++)
            Assert.True(Math.Abs(mask[i] - s.FinalMask[i]) <= 1e-3f * s.TransientGain[i] + 1e-6f, $"bin {i}: {mask[i]} vs {s.FinalMask[i]}");
    }

    [Fact]
    public void Json_RoundTripsAndBadFilesAreClearErrors()
    {
        var refiner = new MaskRefiner(RandomWeights(5, seed: 6));
        var back = MaskRefiner.FromJson(refiner.ToJson(), "test.json");
        var s = RandomStages(6, 10, seed: 7);
        float[] a = new float[60], b = new float[60];
        refiner.Refine(s, a, 0.01f);
        back.Refine(s, b, 0.01f);
        Assert.Equal(a, b);

        string json = refiner.ToJson();
        foreach (var bad in new[]
                 {
                     "not json", "{}", json.Replace("\"format_version\":1", "\"format_version\":9"),
                     json.Replace("\"inputs\":97", "\"inputs\":96"), json.Replace("\"bias\":[", "\"bias\":[1e999,"),
                 })
        {
            var e = Assert.Throws<InvalidDataException>(() => MaskRefiner.FromJson(bad, "bad.json"));
            Assert.StartsWith("bad.json: ", e.Message);
        }
    }

    [Fact]
    public void EmbeddedRefiner_ShipsWithTheEmbeddedModel()
    {
        Assert.True(ModelPackage.HasEmbeddedDefault);
        var embedded = MaskRefiner.Embedded;
        Assert.NotNull(embedded);
        Assert.Same(embedded, new OfflineOptions().MaskRefiner);
        Assert.Same(embedded, MaskRefiner.Embedded);
        Assert.Contains("train-refiner", embedded!.Weights.Description);
    }

    [Fact]
    public void OfflineEnhancer_ShowsItsStagesAndAZeroCorrectionChangesNothing()
    {
        var x = Add(VoicedBursts(SampleRate, 0.3f, seed: 8), WhiteNoise(SampleRate, 0.03f, seed: 9));
        var options = new OfflineOptions { MaxIterations = 4, MhSteps = 6, BurnIn = 3, FinalMhSteps = 6, FinalBurnIn = 3, MaskRefiner = null };
        var observer = new Recorder();
        var plain = new OfflineEnhancer(new SpectralShapeModel(), options) { StageObserver = observer }.Enhance(x);
        var stages = Assert.Single(observer.Seen);
        Assert.Equal((0, x.Length), (stages.Start, stages.Length));
        Assert.True(stages.Frames > 100);
        Assert.True(stages.FinalMaskMin >= 0.0316f - 1e-6f);

        options.MaskRefiner = new MaskRefiner(RandomWeights(8, seed: 10, zeroOutput: true));
        var refined = new OfflineEnhancer(new SpectralShapeModel(), options).Enhance(x);
        Assert.True(MaxAbs(plain.Zip(refined, (p, q) => p - q).ToArray()) < 1e-2 * MaxAbs(plain));

        // A correction that only lowers (bias −20) leaves the floor: the output is the input turned down by 30 dB.
        var down = RandomWeights(8, seed: 11, zeroOutput: true);
        down.Layers[^1].Bias[0] = -20f;
        options.MaskRefiner = new MaskRefiner(down);
        options.ClickLimitDb = null;
        var quiet = new OfflineEnhancer(new SpectralShapeModel(), options).Enhance(x);
        Assert.True(AllFinite(quiet));
        Assert.True(Rms(quiet) < 0.05 * Rms(x), $"{Rms(quiet)} vs {Rms(x)}");
    }

    [Fact]
    public void EmbeddedRefiner_IsFiniteOnSilenceAndNoise()
    {
        var options = new OfflineOptions { MaxIterations = 4, MhSteps = 6, BurnIn = 3, FinalMhSteps = 6, FinalBurnIn = 3 };
        Assert.NotNull(options.MaskRefiner);
        var silence = Denoiser.CreateOffline(new SpectralShapeModel(), options).Enhance(new float[SampleRate]);
        Assert.Equal(0.0, MaxAbs(silence));
        var noise = Denoiser.CreateOffline(new SpectralShapeModel(), options).Enhance(WhiteNoise(SampleRate, 0.1f, seed: 12));
        Assert.True(AllFinite(noise));
        Assert.True(Rms(noise) < Rms(WhiteNoise(SampleRate, 0.1f, seed: 12)));
    }

    private sealed class Recorder : IOfflineStageObserver
    {
        public List<(int Start, int Length, int Frames, float FinalMaskMin)> Seen { get; } = [];

        public void OnSegment(int start, int length, OfflineMaskStages stages)
        {
            Assert.All(new[] { stages.Power, stages.EmMask, stages.ForwardMask, stages.PassesMask, stages.PassesNoise, stages.TransientGain, stages.FinalMask },
                a => Assert.Equal(stages.Frames * stages.Bins, a.Length));
            Seen.Add((start, length, stages.Frames, stages.FinalMask.Min()));
        }
    }
}
