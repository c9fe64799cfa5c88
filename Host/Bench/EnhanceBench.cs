using System.Diagnostics;
using RealtimeDenoise.Enhancement;
using RealtimeDenoise.Models;
using RealtimeDenoise.Models.OnnxRuntime;

namespace RealtimeDenoise.Host.Bench;

/// <summary>
/// Speed of the enhancers per backend: streaming per-frame time (p50/p99/max, one Process call per
/// hop, one thread) and real-time factor, and the offline enhancer's real-time factor with default
/// settings. The input is synthetic (harmonic bursts in noise), so no data files are needed.
/// </summary>
public sealed class EnhanceBench : IBenchmarkSuite
{
    public string Name => "enhance";
    public string Description => "streaming per-frame time p50/p99/max and RTF, offline RTF and the mask refiner's share, per backend";

    public void Run(BenchOptions options, BenchReport report, CancellationToken cancellationToken)
    {
        foreach (var backend in new[] { InferenceBackend.Managed, InferenceBackend.Onnx })
        {
            cancellationToken.ThrowIfCancellationRequested();
            var loaded = TryLoad(options, backend, options.Threads, report);
            if (loaded is null) continue;
            var (streamModel, gradient, source) = loaded.Value;
            using (streamModel)
            {
                using var companion = LoadCompanion(options, backend);
                MeasureStreaming(streamModel, companion, options.Quick, $"streaming/{backend.ToString().ToLowerInvariant()}",
                    companion is null ? source : source + " + embedded companion", report, cancellationToken);
            }
            var offline = TryLoad(options, backend, options.Threads, report);
            if (offline is null) continue;
            using (offline.Value.Model)
            {
                using var companion = LoadCompanion(options, backend);
                MeasureOffline(offline.Value.Model, companion, gradient, options.Quick, options.Threads, $"offline/{backend.ToString().ToLowerInvariant()}", report, cancellationToken);
            }
        }
    }

    /// <summary>As the hosts run it: with the embedded default comes its companion (twice the work per streaming frame).</summary>
    private static IVarianceModel? LoadCompanion(BenchOptions options, InferenceBackend backend) =>
        options.Model is null && ModelPackage.HasEmbeddedDefault
            ? Pipeline.ModelChoice.LoadCompanion(null, null, new ModelLoadOptions(backend, ExecutionDevice.Cpu, options.OrtLibrary, options.Threads))
            : null;

    /// <summary>The chosen package (or the embedded default); random weights of the default shape when there is none, so speed can still be measured.</summary>
    private static (IVarianceModel Model, IDecoderGradient? Gradient, string Source)? TryLoad(BenchOptions options, InferenceBackend backend, int threads, BenchReport report)
    {
        bool havePackage = options.Model is not null || ModelPackage.HasEmbeddedDefault;
        try
        {
            if (havePackage)
            {
                var model = ModelPackage.Load(options.Model, new ModelLoadOptions(backend, ExecutionDevice.Cpu, options.OrtLibrary, threads));
                var weights = ModelPackage.ReadWeights(options.Model).Weights;
                return (model, new DenseDecoderGradient(weights), options.Model ?? "embedded default");
            }
            if (backend != InferenceBackend.Managed)
            {
                report.Notes.Add($"enhance: no model package, {backend} skipped (random weights only for the managed backend).");
                return null;
            }
            var random = RandomWeights(257, 16, 128, seed: 1);
            var card = new ModelCard { Name = "random", LatentDim = 16 };
            return (new ManagedVarianceModel(random, card, threads), new DenseDecoderGradient(random), "random weights (no model package)");
        }
        catch (OrtLibraryNotFoundException e)
        {
            report.Notes.Add($"enhance: ONNX Runtime not found, onnx backend skipped ({e.Message}).");
            return null;
        }
    }

    private static void MeasureStreaming(IVarianceModel model, IVarianceModel? companion, bool quick, string name, string source, BenchReport report, CancellationToken cancellationToken)
    {
        int rate = model.Card.SampleRate, hop = model.Card.HopSize;
        double seconds = quick ? 2 : 30;
        var signal = SyntheticNoisySpeech((int)(seconds * rate) + rate, rate, seed: 7);
        using var processor = Denoiser.CreateStreaming(model, companion: companion);
        var output = new float[hop];
        // Warm-up: the first second three times, with pauses in which the runtime recompiles the hot methods
        // (it promotes them after about 100 ms without new calls; see LiveEngine.WarmUpWorker), then the
        // first second once more from a reset, so the timed frames start warm but from a real stream state.
        for (int round = 0; round < 4; round++)
        {
            if (round > 0) Thread.Sleep(150);
            if (round == 3) processor.Reset();
            for (int i = 0; i + hop <= rate; i += hop) processor.Process(signal.AsSpan(i, hop), output);
        }
        var times = new List<double>();
        long start = Stopwatch.GetTimestamp();
        for (int i = rate; i + hop <= signal.Length; i += hop)
        {
            cancellationToken.ThrowIfCancellationRequested();
            long t0 = Stopwatch.GetTimestamp();
            processor.Process(signal.AsSpan(i, hop), output);
            times.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        }
        double total = Stopwatch.GetElapsedTime(start).TotalSeconds;
        times.Sort();
        double hopMs = 1000.0 * hop / rate;
        report.Add("enhance", name, new Dictionary<string, double>
        {
            ["frame_p50_ms"] = Percentile(times, 0.50),
            ["frame_p99_ms"] = Percentile(times, 0.99),
            ["frame_max_ms"] = times[^1],
            ["hop_ms"] = hopMs,
            ["rtf"] = total / (times.Count * hop / (double)rate),
            ["rtf_p99"] = Percentile(times, 0.99) / hopMs,
            ["latency_ms"] = 1000.0 * processor.LatencySamples / rate,
        });
        report.Notes.Add($"enhance: {name} model = {source}, {times.Count} frames, one thread.");
    }

    private static void MeasureOffline(IVarianceModel model, IVarianceModel? companion, IDecoderGradient? gradient, bool quick, int threads, string name, BenchReport report, CancellationToken cancellationToken)
    {
        int rate = model.Card.SampleRate;
        double seconds = quick ? 2 : 10;
        var signal = SyntheticNoisySpeech((int)(seconds * rate), rate, seed: 8);
        var options = new OfflineOptions { DecoderGradient = gradient };
        var stages = new LastStages();
        var enhancer = new OfflineEnhancer(model, options, companion) { StageObserver = stages };
        var watch = Stopwatch.StartNew();
        enhancer.Enhance(signal, cancellationToken: cancellationToken);
        double elapsed = watch.Elapsed.TotalSeconds;
        var figures = new Dictionary<string, double>
        {
            ["audio_s"] = seconds,
            ["rtf"] = elapsed / seconds,
            ["threads"] = threads,
        };
        // The mask refiner's share of that time: run again on the segment's stages (one segment for this length).
        if (options.MaskRefiner is { } refiner && stages.Last is { } last)
        {
            var mask = new float[last.FinalMask.Length];
            watch.Restart();
            refiner.Refine(last, mask, options.MinGain, cancellationToken);
            figures["refiner_rtf"] = watch.Elapsed.TotalSeconds / seconds;
        }
        report.Add("enhance", name, figures);
    }

    private sealed class LastStages : IOfflineStageObserver
    {
        public OfflineMaskStages? Last { get; private set; }

        public void OnSegment(int start, int length, OfflineMaskStages stages) => Last = stages;
    }

    private static double Percentile(List<double> sorted, double q) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Floor(q * sorted.Count))];

    /// <summary>Harmonic bursts (300 ms on, 200 ms off, 1/h partials) at about −26 dBFS in white noise at 5 dB SNR.</summary>
    private static float[] SyntheticNoisySpeech(int samples, int rate, int seed)
    {
        var rng = new Random(seed);
        var x = new float[samples];
        double phase = 0;
        for (int i = 0; i < samples; i++)
        {
            double t = (double)i / rate, cycle = t % 0.5;
            double env = cycle < 0.3 ? Math.Sin(Math.PI * cycle / 0.3) : 0;
            phase += 2 * Math.PI * 150 * (1 + 0.05 * Math.Sin(2 * Math.PI * 3 * t)) / rate;
            double s = 0;
            for (int h = 1; h <= 20; h++) s += Math.Sin(h * phase) / h;
            double noise = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
            x[i] = (float)(0.05 * env * s + 0.02 * noise);
        }
        return x;
    }

    private static VaeWeights RandomWeights(int bins, int latent, int hidden, int seed)
    {
        var rng = new Random(seed);
        DenseLayer Layer(int inputs, int outputs, Activation activation)
        {
            float scale = MathF.Sqrt(2f / (inputs + outputs));
            var w = new float[inputs * outputs];
            for (int i = 0; i < w.Length; i++) w[i] = (float)(rng.NextDouble() * 2 - 1) * scale;
            return new DenseLayer(inputs, outputs, activation, w, new float[outputs]);
        }
        return new VaeWeights
        {
            Input = new EncoderInputTransform(true, 1e-10f, null, null),
            EncoderHidden = [Layer(bins, hidden, Activation.Tanh)],
            EncoderMu = Layer(hidden, latent, Activation.Identity),
            EncoderLogVar = Layer(hidden, latent, Activation.Identity),
            Decoder = [Layer(latent, hidden, Activation.Tanh), Layer(hidden, bins, Activation.Identity)],
        };
    }
}
