using System.Diagnostics;
using Spectre.Console;

namespace RealtimeDenoise.Host.Pipeline;

/// <summary>
/// Progress of a batch: files done, audio seconds processed, speed (× real time) and ETA. A Spectre.Console
/// bar on a terminal, plain lines (one per file, and a progress line every few seconds) otherwise.
/// Thread-safe: jobs report from several threads.
/// </summary>
public sealed class BatchProgress(int files, double totalAudioSeconds, TextWriter plain)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly object _gate = new();
    private double _audioDone;
    private int _filesDone;
    private TimeSpan _lastPlain;
    private ProgressTask? _bar;

    public TimeSpan Elapsed => _clock.Elapsed;
    public double AudioDone { get { lock (_gate) return _audioDone; } }

    public static bool IsInteractive => !Console.IsErrorRedirected && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;

    /// <summary>Runs <paramref name="work"/> with a live progress bar on a terminal, or directly otherwise.</summary>
    public void Run(Action work)
    {
        if (!IsInteractive) { work(); return; }
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                _bar = ctx.AddTask(Description(), maxValue: Math.Max(totalAudioSeconds, 1e-9));
                work();
                _bar.Value = _bar.MaxValue;
                _bar.Description = Description();
            });
    }

    public void AddAudio(double seconds)
    {
        lock (_gate)
        {
            _audioDone += seconds;
            if (_bar is not null) { _bar.Value = Math.Min(_audioDone, _bar.MaxValue); _bar.Description = Description(); }
            else if (_clock.Elapsed - _lastPlain > TimeSpan.FromSeconds(10))
            {
                _lastPlain = _clock.Elapsed;
                plain.WriteLine($"denoise: {Description()}, ETA {Eta()}");
            }
        }
    }

    public void FileDone(string message)
    {
        lock (_gate)
        {
            _filesDone++;
            if (_bar is not null) { _bar.Description = Description(); AnsiConsole.MarkupLine(Markup.Escape(message)); }
            else plain.WriteLine(message);
        }
    }

    private string Description()
    {
        double speed = _audioDone / Math.Max(_clock.Elapsed.TotalSeconds, 1e-9);
        return $"{_filesDone}/{files} files, {_audioDone:0.0}/{totalAudioSeconds:0.0} s audio, {speed:0.0}× real time";
    }

    private string Eta()
    {
        double speed = _audioDone / Math.Max(_clock.Elapsed.TotalSeconds, 1e-9);
        if (speed <= 0) return "?";
        return TimeSpan.FromSeconds(Math.Max(0, totalAudioSeconds - _audioDone) / speed).ToString(@"hh\:mm\:ss");
    }
}
