using System.Diagnostics;
using RealtimeDenoise.Audio;
using RealtimeDenoise.Enhancement;
using RealtimeDenoise.Metrics;

namespace RealtimeDenoise.Host.Eval;

/// <summary>
/// Enhances every noisy file of a list and scores it against its clean reference (SI-SDR, SI-SDRi, segmental
/// SNR, STOI, and the same for the noisy input), with <c>jobs</c> workers, each owning its own enhancer
/// (enhancers are not thread-safe). A failing row is recorded in its result and does not stop the others.
/// </summary>
public sealed class EvalRunner
{
    /// <summary>Search range of the residual-delay check after latency compensation (same as metrics.py).</summary>
    public const double MaxLagMs = 50;

    private readonly Func<IEnhancer> _createEnhancer;
    private readonly int _jobs;
    private readonly string? _saveDir;

    /// <param name="createEnhancer">Called once per worker (on the calling thread, before any work starts).</param>
    public EvalRunner(Func<IEnhancer> createEnhancer, int jobs = 1, string? saveDir = null)
    {
        ArgumentNullException.ThrowIfNull(createEnhancer);
        if (jobs < 1) throw new ArgumentOutOfRangeException(nameof(jobs), jobs, "At least one job.");
        _createEnhancer = createEnhancer;
        _jobs = jobs;
        _saveDir = saveDir is null ? null : Path.GetFullPath(saveDir);
    }

    /// <summary>Evaluates all items; <paramref name="onResult"/> is called (serialised) as each file finishes.</summary>
    public IReadOnlyList<EvalFileResult> Run(IReadOnlyList<EvalItem> items, Action<EvalFileResult, int>? onResult = null, CancellationToken cancellationToken = default)
    {
        if (_saveDir is not null) Directory.CreateDirectory(_saveDir);
        int workers = Math.Min(_jobs, items.Count);
        var enhancers = new List<IEnhancer>();
        try
        {
            for (int w = 0; w < workers; w++) enhancers.Add(_createEnhancer());
            var results = new EvalFileResult[items.Count];
            int next = -1, done = 0;
            var gate = new object();
            void Work(IEnhancer enhancer)
            {
                for (int i; (i = Interlocked.Increment(ref next)) < items.Count;)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var result = Evaluate(items[i], enhancer, cancellationToken);
                    results[i] = result;
                    lock (gate) onResult?.Invoke(result, ++done);
                }
            }
            if (workers == 1) Work(enhancers[0]);
            else
            {
                var threads = enhancers.Select(e => Task.Factory.StartNew(() => Work(e), cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();
                try { Task.WaitAll(threads); }
                catch (AggregateException e)
                {
                    // Surface the worker's own exception (e.g. NotImplementedException, cancellation), as with one job.
                    var first = e.Flatten().InnerExceptions.FirstOrDefault(x => x is not OperationCanceledException) ?? e.Flatten().InnerExceptions[0];
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(first).Throw();
                }
            }
            return results;
        }
        finally
        {
            foreach (var e in enhancers) (e as IDisposable)?.Dispose();
        }
    }

    /// <summary>Scores one pair; errors (missing file, wrong rate, NaN output, too short for STOI) go into the result.</summary>
    public EvalFileResult Evaluate(EvalItem item, IEnhancer enhancer, CancellationToken cancellationToken = default)
    {
        var result = new EvalFileResult(item);
        try
        {
            float[] clean = ReadMono(item.CleanPath, "clean", enhancer.SampleRate, result);
            float[] noisy = ReadMono(item.NoisyPath, "noisy", enhancer.SampleRate, result);
            int n = Math.Min(clean.Length, noisy.Length);
            if (n == 0) throw new InvalidDataException("a signal is empty.");
            result.TrimmedSamples = Math.Max(clean.Length, noisy.Length) - n;
            if (result.TrimmedSamples > 0) result.Warnings.Add($"clean/noisy lengths differ ({clean.Length} vs {noisy.Length}); trimmed to {n}");
            clean = clean[..n];
            noisy = noisy[..n];
            result.Samples = n;
            result.DurationSeconds = (double)n / enhancer.SampleRate;

            var stopwatch = Stopwatch.StartNew();
            float[] enhanced = enhancer.Enhance(noisy, null, cancellationToken);
            result.ProcessingSeconds = stopwatch.Elapsed.TotalSeconds;
            if (enhanced.Length != n) throw new InvalidOperationException($"the enhancer returned {enhanced.Length} samples for {n} input samples.");
            int nonFinite = enhanced.Count(v => !float.IsFinite(v));
            if (nonFinite > 0) throw new InvalidOperationException($"the enhancer produced {nonFinite} NaN/Inf sample(s).");

            if (_saveDir is not null) result.EnhancedPath = SaveEnhanced(item, enhanced, enhancer.SampleRate);

            result.Lag = SignalAlignment.EstimateLag(clean, enhanced, MaxLagMs, enhancer.SampleRate);
            Score(() => result.SiSdrNoisy = SiSdr.Compute(clean, noisy), "SI-SDR (noisy)", result);
            Score(() => result.SiSdr = SiSdr.Compute(clean, enhanced), "SI-SDR", result);
            Score(() => result.SegSnrNoisy = SegmentalSnr.Compute(clean, noisy, enhancer.SampleRate), "segSNR (noisy)", result);
            Score(() => result.SegSnr = SegmentalSnr.Compute(clean, enhanced, enhancer.SampleRate), "segSNR", result);
            Score(() => result.StoiNoisy = Stoi.Compute(clean, noisy, enhancer.SampleRate), "STOI (noisy)", result);
            Score(() => result.Stoi = Stoi.Compute(clean, enhanced, enhancer.SampleRate), "STOI", result);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
        {
            result.Errors.Add(e.Message);
        }
        return result;
    }

    private static void Score(Action compute, string name, EvalFileResult result)
    {
        try { compute(); }
        catch (ArgumentException e) { result.Errors.Add($"{name}: {e.Message}"); }
    }

    private static float[] ReadMono(string path, string role, int expectedRate, EvalFileResult result)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{role} file not found: {path}", path);
        using var reader = new WaveFileReader(path);
        if (reader.Format.SampleRate != expectedRate)
            throw new InvalidDataException($"{path}: sample rate {reader.Format.SampleRate} Hz, the enhancer expects {expectedRate} Hz.");
        if (reader.Format.Channels != 1)
            throw new InvalidDataException($"{path}: {reader.Format.Channels} channels, expected mono.");
        float[] samples = reader.ReadToEndInterleaved();
        foreach (var w in reader.Warnings) result.Warnings.Add($"{Path.GetFileName(path)}: {w}");
        if (reader.NonFiniteSamples > 0)
            throw new InvalidDataException($"{path}: {reader.NonFiniteSamples} NaN/Inf sample(s).");
        return samples;
    }

    /// <summary>Writes &lt;id&gt;_enhanced.wav (32-bit float, so nothing is clipped or quantised) atomically; never over an input file.</summary>
    private string SaveEnhanced(EvalItem item, float[] enhanced, int sampleRate)
    {
        string path = Path.Combine(_saveDir!, $"{item.Id}_enhanced.wav");
        if (string.Equals(path, item.CleanPath, StringComparison.Ordinal) || string.Equals(path, item.NoisyPath, StringComparison.Ordinal))
            throw new IOException($"{path}: refusing to overwrite an input file of the list.");
        WaveFileWriter.WriteAll(path, enhanced, WaveFormat.Float32(sampleRate), new WaveWriterOptions { Overwrite = true });
        return path;
    }
}
