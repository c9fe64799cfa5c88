using System.Globalization;
using RealtimeDenoise.Enhancement;
using RealtimeDenoise.Host.Cli;
using RealtimeDenoise.Host.Eval;
using RealtimeDenoise.Host.Pipeline;
using RealtimeDenoise.Models;
using RealtimeDenoise.Streaming;

namespace RealtimeDenoise.Host.Commands;

public enum EvalMode { Offline, Streaming }

/// <summary>What the enhancer factories receive from the command line.</summary>
public sealed record EvalSettings(EvalMode Mode, string? ModelDirectory, InferenceBackend Backend, string? OrtLibraryPath = null, EnhancerChoice? Enhancer = null)
{
    /// <summary>The settings of both modes: those given, or the defaults.</summary>
    public EnhancerChoice EnhancerOrDefaults => Enhancer ?? EnhancerChoice.Defaults;
}

public sealed class EvalCommand : ICommand
{
    private readonly Func<EvalSettings, IEnhancer> _createOffline;
    private readonly Func<EvalSettings, IStreamProcessor> _createStreaming;
    private readonly TextWriter? _stdout, _stderr;

    public EvalCommand() : this(null, null) { }

    /// <summary>Seam for tests: enhancers other than the model-based ones, and captured output.</summary>
    internal EvalCommand(Func<EvalSettings, IEnhancer>? createOffline, Func<EvalSettings, IStreamProcessor>? createStreaming,
        TextWriter? stdout = null, TextWriter? stderr = null)
    {
        _createOffline = createOffline ?? CreateModelOffline;
        _createStreaming = createStreaming ?? CreateModelStreaming;
        _stdout = stdout;
        _stderr = stderr;
    }

    private TextWriter Out => _stdout ?? Console.Out;
    private TextWriter Err => _stderr ?? Console.Error;

    public string Name => "eval";
    public string Summary => "Score the enhancer on a list of noisy/clean pairs (SI-SDR, SI-SDRi, segSNR, STOI, real-time factor)";
    public string Usage =>
        "usage: rtdenoise eval --list LIST.csv [--mode offline|streaming] [--out results.csv|results.json]\n" +
        "                      [--lookahead N] [--companion-weight W] [--max-attenuation DB] [--no-refiner] [--model DIR] [--backend managed|onnx] [--ort-lib PATH] [--jobs N] [--save-dir DIR]\n\n" +
        "Enhances every noisy file of LIST.csv (columns id,clean,noisy,noise_name,snr_db,speaker; paths relative to\n" +
        "the list, e.g. ../shared/data/dev-test/list.csv) and scores it against the clean file: SI-SDR and its\n" +
        "improvement over the noisy input, segmental SNR (32 ms frames, clamped to [-10, 35] dB), STOI (Taal 2011)\n" +
        "of the output and of the noisy input, and the real-time factor. Streaming output is shifted back by the\n" +
        "processor's reported latency, so both modes are scored sample-aligned; the residual lag is reported.\n" +
        "Prints one line per file and a table of means overall, per input SNR and per noise type.\n\n" +
        "  --list FILE      evaluation list (required)\n" +
        "  --mode MODE      offline (whole file, default) or streaming (the live processor, 128-sample blocks)\n" +
        "  --lookahead N    streaming: frames of lookahead, 0–8 (default 0; more than 2 only adds latency)\n" +
        "  --companion-weight W  with the embedded model: largest share of its companion, 0–1 (default 0.7; 0: off)\n" +
        "  --max-attenuation DB  gain floor, 0–60 dB (default 20 streaming, 30 offline)\n" +
        "  --no-refiner     offline: without the model package's learnt mask refiner\n" +
        "  --out FILE       per-file results as CSV, or settings + group means + per-file results as JSON\n" +
        "  --model DIR      model package folder (default: the embedded model)\n" +
        "  --backend NAME   managed (default) or onnx\n" +
        "  --ort-lib PATH   ONNX Runtime native library for --backend onnx (default: $RTDENOISE_ORT_LIBRARY, app folder, system)\n" +
        "  --jobs N         files processed in parallel, each worker with its own enhancer (default 1; RTF is per worker)\n" +
        "  --save-dir DIR   also write DIR/<id>_enhanced.wav (32-bit float), e.g. for shared/eval/metrics.py\n\n" +
        "Exit status: 0 all files scored, 1 some files failed (listed at the end), 2 bad command line,\n" +
        "3 unreadable list or model, 4 enhancer not available in this build.";

    public int Run(CommandLineArgs args, CancellationToken cancellationToken)
    {
        string list = args.Option("--list") ?? throw new UsageException("--list LIST.csv is required. See --help.");
        var mode = args.Enum("--mode", EvalMode.Offline);
        string? outPath = args.Option("--out", "-o");
        string? model = args.Option("--model");
        var backend = args.Enum("--backend", InferenceBackend.Managed);
        if (backend == InferenceBackend.Auto) throw new UsageException("--backend must be managed or onnx.");
        string? ortLib = args.Option("--ort-lib");
        int jobs = args.Int("--jobs", 1, 1, 256);
        string? saveDir = args.Option("--save-dir");
        var choice = EnhancerChoice.Parse(args);
        var streaming = choice.Streaming;
        args.ThrowOnUnknown();
        choice.RequireStreaming(mode == EvalMode.Streaming);
        if (args.Positionals.Count > 0) throw new UsageException($"Unexpected argument '{args.Positionals[0]}'. See --help.");
        if (outPath is not null && Path.GetExtension(outPath).ToLowerInvariant() is not (".csv" or ".json"))
            throw new UsageException($"--out {outPath}: the file name must end in .csv or .json.");

        var items = EvalList.Read(list); // missing/bad list: IOException/InvalidDataException → exit 3 with the message
        var settings = new EvalSettings(mode, model, backend, ortLib, choice);
        Func<IEnhancer> factory = mode == EvalMode.Offline
            ? () => _createOffline(settings)
            : () => new StreamingAsWholeBuffer(_createStreaming(settings));

        Err.WriteLine($"eval: {items.Count} file(s) from {list}, mode {mode.ToString().ToLowerInvariant()}, " +
                      $"model {model ?? "(embedded)"}, backend {backend.ToString().ToLowerInvariant()}, jobs {jobs}");
        var runner = new EvalRunner(factory, jobs, saveDir);
        var results = runner.Run(items, (r, done) => PrintFile(r, done, items.Count), cancellationToken);

        var groups = EvalGroup.Summarize(results);
        Out.WriteLine();
        Out.WriteLine($"eval: list={list} mode={mode.ToString().ToLowerInvariant()} files={results.Count}");
        EvalGroup.PrintTable(groups, Out);

        var lagged = results.Where(r => r.Lag is int l && l != 0).ToList();
        if (lagged.Count > 0)
            Out.WriteLine($"WARNING: {lagged.Count}/{results.Count} enhanced file(s) are not sample-aligned with the clean reference after latency " +
                          $"compensation (lags: {string.Join(", ", lagged.Select(r => r.Lag).Distinct().Take(10))}); the reported latency may be wrong.");
        if (outPath is not null)
        {
            var meta = new Dictionary<string, string>
            {
                ["list"] = Path.GetFullPath(list), ["mode"] = mode.ToString().ToLowerInvariant(), ["model"] = model ?? "(embedded)",
                ["backend"] = backend.ToString().ToLowerInvariant(), ["jobs"] = jobs.ToString(CultureInfo.InvariantCulture),
            };
            if (mode == EvalMode.Streaming) meta["lookahead_frames"] = streaming.LookaheadFrames.ToString(CultureInfo.InvariantCulture);
            meta["companion_weight"] = model is null ? streaming.CompanionWeight.ToString(CultureInfo.InvariantCulture) : "none (--model)";
            float floor = mode == EvalMode.Streaming ? streaming.MaxAttenuationDb : choice.Offline.MaxAttenuationDb;
            meta["max_attenuation_db"] = floor.ToString(CultureInfo.InvariantCulture);
            if (mode == EvalMode.Offline) meta["mask_refiner"] = choice.Offline.MaskRefiner is null ? "none" : model is null ? "embedded" : Path.Combine(model, MaskRefiner.FileName);
            EvalReportWriter.Write(outPath, results, groups, meta);
            Out.WriteLine($"per-file results: {outPath}");
        }

        var failed = results.Where(r => r.Failed).ToList();
        if (failed.Count == 0) return ExitCodes.Ok;
        Err.WriteLine($"FAILURES: {failed.Count} of {results.Count} file(s):");
        foreach (var r in failed) Err.WriteLine($"  {r.Item.Id}: {r.Error}");
        return ExitCodes.PartialFailure;
    }

    private void PrintFile(EvalFileResult r, int done, int total)
    {
        string head = $"[{done}/{total}] {r.Item.Id} snr={r.Item.SnrDb} {r.Item.NoiseName}:";
        if (r.Failed && !double.IsFinite(r.SiSdr))
        {
            Err.WriteLine($"{head} FAILED: {r.Error}");
            return;
        }
        string F(double v, int d) => EvalGroup.F(v, d);
        Out.WriteLine($"{head} SI-SDR {F(r.SiSdr, 2)} dB (in {F(r.SiSdrNoisy, 2)}, SI-SDRi {F(r.SiSdrImprovement, 2)}) " +
                      $"segSNR {F(r.SegSnr, 2)} (in {F(r.SegSnrNoisy, 2)}) STOI {F(r.Stoi, 3)} (in {F(r.StoiNoisy, 3)}) " +
                      $"RTF {F(r.RealTimeFactor, 3)} lag {r.Lag}" + (r.Failed ? $" [error: {r.Error}]" : ""));
        foreach (var w in r.Warnings) Err.WriteLine($"  warning: {r.Item.Id}: {w}");
    }

    private static ModelLoadOptions LoadOptions(EvalSettings s) => new(s.Backend, OrtLibraryPath: s.OrtLibraryPath);

    private static IEnhancer CreateModelOffline(EvalSettings s)
    {
        var offline = s.EnhancerOrDefaults.Offline;
        var (model, companion) = ModelChoice.LoadWithCompanion(s.ModelDirectory, offline.StreamingPasses, LoadOptions(s));
        return new ModelOwningEnhancer(model, companion, (m, c) => Denoiser.CreateOffline(m, offline, c));
    }

    private static IStreamProcessor CreateModelStreaming(EvalSettings s)
    {
        var streaming = s.EnhancerOrDefaults.Streaming;
        var (model, companion) = ModelChoice.LoadWithCompanion(s.ModelDirectory, streaming, LoadOptions(s));
        try { return new ModelOwningStreamProcessor(model, Denoiser.CreateStreaming(model, streaming, companion), companion); }
        catch
        {
            companion?.Dispose();
            model.Dispose();
            throw;
        }
    }
}
