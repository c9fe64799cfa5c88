using System.Diagnostics;
using System.Globalization;

namespace RealtimeDenoise.Training.Run;

/// <summary>
/// Progress on a terminal: one self-overwriting line with a bar, loss, β, frames/s and ETA, plus one line
/// per epoch. When output is redirected it prints plain lines only (every epoch, and a batch line every 15 s).
/// </summary>
public sealed class ConsoleTrainingObserver(TextWriter output, bool interactive) : ITrainingObserver
{
    private readonly Stopwatch _sinceLast = Stopwatch.StartNew();
    private bool _lineOpen;

    public void BatchCompleted(BatchProgress p)
    {
        double interval = interactive ? 0.25 : 15;
        if (_sinceLast.Elapsed.TotalSeconds < interval && p.Batch != p.Batches) return;
        _sinceLast.Restart();
        const int width = 24;
        int filled = (int)Math.Round(width * (double)p.Batch / p.Batches);
        string text = string.Create(CultureInfo.InvariantCulture,
            $"epoch {p.Epoch}/{p.Epochs} [{new string('#', filled)}{new string('-', width - filled)}] {p.Batch}/{p.Batches} loss {p.Loss:F1} β {p.Beta:F2} {p.FramesPerSecond:N0} frames/s ETA {Format(p.Eta)}");
        if (interactive)
        {
            output.Write("\r" + text.PadRight(110));
            _lineOpen = true;
        }
        else output.WriteLine(text);
        output.Flush();
    }

    public void EpochCompleted(EpochRecord r)
    {
        CloseLine();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"epoch {r.Epoch}: train ELBO {r.Train.Elbo:F2} (recon {r.Train.Reconstruction:F2}, KL {r.Train.Kl:F2}, β {r.Beta:F2}), validation ELBO {r.Validation.Elbo:F2} (KL {r.Validation.Kl:F2}), {r.Seconds:F1} s, {r.FramesPerSecond:N0} frames/s{(r.IsBest ? "  *best" : "")}"));
        output.Flush();
    }

    public void Message(string text)
    {
        CloseLine();
        output.WriteLine(text);
        output.Flush();
    }

    private void CloseLine()
    {
        if (!_lineOpen) return;
        output.WriteLine();
        _lineOpen = false;
    }

    private static string Format(TimeSpan t) => t.TotalHours >= 1 ? t.ToString(@"h\:mm\:ss") : t.ToString(@"mm\:ss");
}
