using System.Collections.Concurrent;
using RealtimeDenoise.Audio;
using RealtimeDenoise.Enhancement;
using RealtimeDenoise.Host.Cli;
using RealtimeDenoise.Host.Pipeline;
using RealtimeDenoise.Models;
using RealtimeDenoise.Streaming;

namespace RealtimeDenoise.Host.Commands;

public sealed class DenoiseCommand : ICommand
{
    public string Name => "denoise";
    public string Summary => "Clean audio files offline (files or folders, recursive), output aligned with the input";
    public string Usage =>
        "usage: rtdenoise denoise IN... -o OUT [options]\n\n" +
        "IN are WAV files or folders (searched recursively). OUT is a file (one input file) or a folder\n" +
        "that mirrors the input tree. The output keeps the input's sample rate, channel count and sample\n" +
        "format, is sample-aligned with it and exactly as long. Inputs are never overwritten; outputs are\n" +
        "written atomically; a failed file does not stop the batch (exit code 1, reasons in the summary).\n\n" +
        "  -o, --output PATH     output file or folder (required)\n" +
        "  --glob PATTERN        file names to take from folders (default *.wav)\n" +
        "  --mode M              offline (whole-buffer enhancer, in 30 s segments) | streaming (default offline)\n" +
        "  --mono                downmix to mono (default: every channel processed independently)\n" +
        "  --rate HZ             output sample rate (default: the input's)\n" +
        "  --format F            pcm16 | pcm24 | float32 (default: the input's)\n" +
        "  --segment SECONDS     offline mode: enhance in segments of this length, cross-faded (default 30;\n" +
        "                        smaller uses less memory)\n" +
        "  --jobs N              files processed in parallel (default 1; memory stays bounded per job); the\n" +
        "                        cores left over enhance the channels, and offline the 30 s windows, of a\n" +
        "                        file side by side\n" +
        "  --overwrite           replace existing outputs (default: skip them)\n" +
        "  --passthrough         no model: a pass-through processor at 16 kHz (checks formats, alignment, speed)\n" +
        EnhancerChoice.Help + ModelChoice.Help;

    /// <summary>Test seams: processors with known behaviour instead of the model.</summary>
    internal static Func<IStreamProcessor>? StreamingOverride { get; set; }
    internal static Func<IEnhancer>? OfflineOverride { get; set; }

    public int Run(CommandLineArgs args, CancellationToken cancellationToken)
    {
        string? output = args.Option("-o", "--output");
        string glob = args.Option("--glob") ?? "*.wav";
        var mode = args.Enum("--mode", EnhanceMode.Offline);
        bool mono = args.Flag("--mono");
        int rate = args.Int("--rate", 0, 0, WaveFormat.MaxSampleRate);
        var format = args.Enum("--format", OutputSampleFormat.Keep);
        int jobs = args.Int("--jobs", 1, 1, 64);
        double segment = args.Double("--segment", DenoiseSettings.DefaultSegmentSeconds, 2, 3600);
        bool overwrite = args.Flag("--overwrite");
        bool passthrough = args.Flag("--passthrough");
        var choice = EnhancerChoice.Parse(args);
        var streaming = choice.Streaming;
        var model = ModelChoice.Parse(args);
        args.ThrowOnUnknown();
        choice.RequireStreaming(mode == EnhanceMode.Streaming);
        var inputs = args.Positionals;
        if (inputs.Count == 0) throw new UsageException("give at least one input file or folder.");
        if (output is null) throw new UsageException("-o OUT is required.");

        IReadOnlyList<FileJob> plan;
        try { plan = JobPlanner.Plan(inputs, output, glob); }
        catch (Exception e) when (e is ArgumentException or FileNotFoundException or IOException or UnauthorizedAccessException)
        {
            throw new UsageException(e.Message);
        }
        if (plan.Count == 0) { Console.Error.WriteLine($"rtdenoise denoise: no files matching '{glob}' in the inputs."); return ExitCodes.Error; }

        var streamingOverride = StreamingOverride ?? (passthrough ? () => new DelayProcessor(16000, 0) : null);
        var offlineOverride = OfflineOverride ?? (passthrough ? () => new PassThroughEnhancer(16000) : null);

        // One model (and its companion, if any) per processor, pooled across files: a model instance is not assumed
        // to be thread-safe, and the channels and windows of a file may run side by side.
        var models = new ConcurrentBag<(IVarianceModel Model, IVarianceModel? Companion)>();
        (IVarianceModel, IVarianceModel?) RentModel() => models.TryTake(out var pair) ? pair : model.LoadWithCompanion(streaming);
        int modelRate;
        try
        {
            modelRate = mode == EnhanceMode.Streaming && streamingOverride is not null ? streamingOverride().SampleRate
                : mode == EnhanceMode.Offline && offlineOverride is not null ? offlineOverride().SampleRate
                : ProbeRate(model, streaming, mode, models);
        }
        catch (EnhancerUnavailableException e)
        {
            Console.Error.WriteLine($"rtdenoise denoise: {e.Message}. Use --passthrough to run the file path without a model.");
            return ExitCodes.NotImplemented;
        }

        // The cores that parallel files leave free enhance the channels (and offline, the windows) of a file side by side.
        int workers = Math.Max(1, Environment.ProcessorCount / Math.Min(jobs, plan.Count));
        double totalSeconds = plan.Sum(j => TryDuration(j.Input));
        var progress = new BatchProgress(plan.Count, totalSeconds, Console.Error);
        var results = new ConcurrentDictionary<FileJob, (string Status, string Detail)>();
        progress.Run(() =>
        {
            try
            {
                Parallel.ForEach(plan, new ParallelOptions { MaxDegreeOfParallelism = jobs, CancellationToken = cancellationToken }, job =>
                {
                    if (File.Exists(job.Output) && !overwrite)
                    {
                        results[job] = ("skipped", "output exists (use --overwrite)");
                        progress.FileDone($"skipped {job.Display}: {job.Output} exists (use --overwrite)");
                        return;
                    }
                    // Each processor gets a model of its own, since channels and windows may be enhanced at the same time.
                    var leased = new List<(IVarianceModel Model, IVarianceModel? Companion)>();
                    (IVarianceModel Model, IVarianceModel? Companion) Lease()
                    {
                        var pair = RentModel();
                        leased.Add(pair);
                        return pair;
                    }
                    try
                    {
                        var settings = new DenoiseSettings(mode,
                            streamingOverride ?? (() => { var (m, companion) = Lease(); return Denoiser.CreateStreaming(m, streaming, companion); }),
                            offlineOverride ?? (() => { var (m, companion) = Lease(); return Denoiser.CreateOffline(m, choice.Offline, companion); }),
                            modelRate, mono, rate > 0 ? rate : null, format, overwrite, SegmentSeconds: segment, Workers: workers);
                        string? dir = Path.GetDirectoryName(job.Output);
                        if (dir is not null) Directory.CreateDirectory(dir);
                        var r = FilePipeline.Run(job.Input, job.Output, settings, progress.AddAudio, cancellationToken);
                        results[job] = ("ok", $"{r.AudioSeconds:0.0} s");
                        progress.FileDone($"ok {job.Display} → {job.Output} ({r.AudioSeconds:0.0} s, {r.InputFormat} → {r.OutputFormat})");
                    }
                    // Stopped: the file is left undone (the summary below says so); ForEach starts no other once the
                    // token is set. Rethrown, the pipeline's own linked token would make ForEach wrap it as a failure.
                    catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested) { }
                    catch (Exception e) when (e is not OutOfMemoryException)
                    {
                        string reason = e switch
                        {
                            // The report names the input already; the reader's message would name it twice.
                            AudioFormatException af when SamePath(af.FileName, job.Input) => af.Problem,
                            IOException or InvalidDataException or UnauthorizedAccessException or NotSupportedException or ArgumentException or InvalidOperationException => e.Message,
                            _ => $"{e.GetType().Name}: {e.Message}",
                        };
                        results[job] = ("failed", reason);
                        progress.FileDone($"FAILED {job.Display}: {reason}");
                    }
                    finally
                    {
                        foreach (var pair in leased) models.Add(pair);
                    }
                });
            }
            catch (OperationCanceledException) { }
        });

        int ok = results.Values.Count(v => v.Status == "ok"), failed = results.Values.Count(v => v.Status == "failed"), skipped = results.Values.Count(v => v.Status == "skipped");
        double wall = progress.Elapsed.TotalSeconds, audio = progress.AudioDone;
        var w = Console.Error;
        if (cancellationToken.IsCancellationRequested)
        {
            w.WriteLine($"denoise: stopped; {ok} files finished, {plan.Count - ok - failed - skipped} not done (no partial outputs were left).");
            return ExitCodes.Cancelled;
        }
        w.WriteLine($"denoise: {ok} ok, {failed} failed, {skipped} skipped; {audio:0.0} s of audio in {wall:0.0} s " +
                    $"(RTF {(audio > 0 ? wall / audio : 0):0.000}, {(wall > 0 ? audio / wall : 0):0.0}× real time)");
        foreach (var (job, (status, detail)) in results.Where(r => r.Value.Status == "failed").OrderBy(r => r.Key.Display, StringComparer.Ordinal))
            w.WriteLine($"  failed: {job.Display}: {detail}");
        return failed > 0 ? ExitCodes.PartialFailure : ExitCodes.Ok;
    }

    private static bool SamePath(string a, string b) =>
        string.Equals(Path.GetFullPath(a), Path.GetFullPath(b), StringComparison.Ordinal);

    /// <summary>Loads the first model and its companion (kept in the pool for the first job) and reads the enhancer's rate.</summary>
    private static int ProbeRate(ModelChoice model, StreamingOptions streaming, EnhanceMode mode, ConcurrentBag<(IVarianceModel, IVarianceModel?)> pool)
    {
        var pair = model.LoadWithCompanion(streaming);
        pool.Add(pair);
        var m = pair.Model;
        if (mode == EnhanceMode.Streaming)
        {
            using var p = Denoiser.CreateStreaming(m);
            return p.SampleRate;
        }
        return Denoiser.CreateOffline(m).SampleRate;
    }

    /// <summary>Offline stand-in for --passthrough: returns its input.</summary>
    private sealed class PassThroughEnhancer(int rate) : IEnhancer
    {
        public int SampleRate => rate;
        public float[] Enhance(ReadOnlySpan<float> noisy, IProgress<double>? progress = null, CancellationToken cancellationToken = default) => noisy.ToArray();
    }

    private static double TryDuration(string path)
    {
        try { using var r = new WaveFileReader(path); return r.Duration.TotalSeconds; }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or ArgumentException) { return 0; }
    }
}
