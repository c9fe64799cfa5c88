using System.Diagnostics;
using RealtimeDenoise.Models;
using RealtimeDenoise.Models.OnnxRuntime;

namespace RealtimeDenoise.Host.Bench;

/// <summary>
/// Speed of the speech model backends: encoder and decoder calls per second at batch 1 and 64, managed and
/// ONNX Runtime (CPU), for F = 257/513 and L = 16/32 with one hidden layer of 128 (random weights), plus
/// batch-1 latency percentiles. With --model, the given package is measured too.
/// </summary>
public sealed class ModelBench : IBenchmarkSuite
{
    public string Name => "models";
    public string Description => "VAE encoder/decoder calls/s and latency, managed vs ONNX Runtime CPU";

    public void Run(BenchOptions options, BenchReport report, CancellationToken cancellationToken)
    {
        double seconds = options.Quick ? 0.03 : 0.4;
        using var temp = new TempPackageFolder();
        var packages = new List<(string Label, string Dir)>();
        foreach (int bins in new[] { 257, 513 })
            foreach (int latent in new[] { 16, 32 })
            {
                var weights = VaeWeights.CreateRandom(bins, latent, [128], [128], Activation.Tanh, seed: bins + latent);
                string dir = Path.Combine(temp.Path, $"F{bins}-L{latent}");
                var card = ModelCard.Describe(weights);
                card.Name = "bench-random";
                ModelPackage.Write(dir, weights, card);
                packages.Add(($"F={bins} L={latent} H=128", dir));
            }
        if (options.Model is not null)
        {
            var card = ModelPackage.ReadWeights(options.Model).Card;
            packages.Add(($"{Path.GetFileName(Path.GetFullPath(options.Model).TrimEnd('/'))} F={card.Bins} L={card.LatentDim}", options.Model));
        }

        string? ortSkipped = null;
        foreach (var (label, dir) in packages)
        {
            foreach (var backend in new[] { InferenceBackend.Managed, InferenceBackend.Onnx })
            {
                if (backend == InferenceBackend.Onnx && ortSkipped is not null) continue;
                IVarianceModel model;
                try
                {
                    model = ModelPackage.Load(dir, new ModelLoadOptions(backend, ExecutionDevice.Cpu, options.OrtLibrary, Threads: 1));
                }
                catch (OrtLibraryNotFoundException e)
                {
                    ortSkipped = e.Message;
                    continue;
                }
                using (model)
                {
                    string name = backend == InferenceBackend.Managed ? "managed" : "ort-cpu";
                    foreach (int batch in new[] { 1, 64 })
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        report.Add(Name, $"{name} decode b={batch} {label}", Measure(model, decode: true, batch, seconds));
                        report.Add(Name, $"{name} encode b={batch} {label}", Measure(model, decode: false, batch, seconds));
                    }
                }
            }
            if (options.Threads > 1)
            {
                using var threaded = ModelPackage.Load(dir, new ModelLoadOptions(InferenceBackend.Managed, Threads: options.Threads));
                report.Add(Name, $"managed×{options.Threads} decode b=256 {label}", Measure(threaded, decode: true, 256, seconds));
                report.Add(Name, $"managed×{options.Threads} encode b=256 {label}", Measure(threaded, decode: false, 256, seconds));
            }
        }
        if (ortSkipped is not null) report.Notes.Add($"models: ONNX Runtime rows skipped: {ortSkipped}");
        report.Notes.Add("models: one thread per model; latency percentiles are per call (µs); calls/s and mean include any time the OS gave to other processes; random weights, tanh, hidden 128.");
    }

    /// <summary>Calls per second, frames per second and, at batch 1, per-call latency percentiles.</summary>
    private static Dictionary<string, double> Measure(IVarianceModel model, bool decode, int batch, double seconds)
    {
        int f = model.Bins, l = model.LatentDim;
        var rng = new Random(batch);
        var power = new float[batch * f];
        for (int i = 0; i < power.Length; i++) power[i] = (float)Math.Pow(10, rng.NextDouble() * 6 - 8);
        var z = new float[batch * l];
        for (int i = 0; i < z.Length; i++) z[i] = (float)(rng.NextDouble() * 2 - 1);
        var mu = new float[batch * l];
        var logVar = new float[batch * l];
        var logVariance = new float[batch * f];
        void Call()
        {
            if (decode) model.Decode(z, batch, logVariance);
            else model.Encode(power, batch, mu, logVar);
        }

        // Warm-up: JIT tiers, ORT's first-run allocations, caches.
        long warmEnd = Stopwatch.GetTimestamp() + (long)(Stopwatch.Frequency * Math.Min(0.2, seconds));
        int warm = 0;
        while (Stopwatch.GetTimestamp() < warmEnd || warm < 20) { Call(); warm++; }

        var samples = new List<double>(1 << 16);
        long start = Stopwatch.GetTimestamp(), end = start + (long)(Stopwatch.Frequency * seconds);
        long now = start;
        int calls = 0;
        while (now < end || calls < 10)
        {
            long t0 = now;
            Call();
            now = Stopwatch.GetTimestamp();
            if (samples.Count < samples.Capacity) samples.Add((now - t0) * 1e6 / Stopwatch.Frequency);
            calls++;
        }
        double elapsed = (now - start) / (double)Stopwatch.Frequency;
        var metrics = new Dictionary<string, double>
        {
            ["calls/s"] = calls / elapsed,
            ["frames/s"] = calls * (double)batch / elapsed,
            ["mean µs"] = elapsed * 1e6 / calls,
        };
        // Percentiles for every batch size: on a shared machine the median is the figure least disturbed by other load.
        samples.Sort();
        metrics["p50 µs"] = samples[samples.Count / 2];
        metrics["p99 µs"] = samples[Math.Min(samples.Count - 1, (int)(samples.Count * 0.99))];
        return metrics;
    }

    private sealed class TempPackageFolder : IDisposable
    {
        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "rtdenoise-bench-" + Guid.NewGuid().ToString("N")[..8]);

        public void Dispose()
        {
            try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
        }
    }
}
