namespace RealtimeDenoise.Training.Data;

/// <summary>The usable frames of every file of a corpus, in file order, plus what was skipped.</summary>
public sealed class CorpusFrames
{
    public required int Bins { get; init; }
    /// <summary>Files that gave at least one frame, with their frame ranges in <see cref="Power"/>.</summary>
    public required IReadOnlyList<(string File, int Offset, int Count)> Files { get; init; }
    public required float[] Power { get; init; }
    public required IReadOnlyList<string> SkippedFiles { get; init; }
    public long SilentFramesDropped { get; init; }
    public bool FromCache { get; init; }
    public int TotalFrames => Power.Length / Bins;

    /// <summary>
    /// Splits by file: a seeded shuffle of the file list, the first ⌈fraction·files⌉ (at least one when the
    /// fraction is positive and there are two or more files) go to validation. Frames stay in file order.
    /// </summary>
    public (FrameSet Train, FrameSet Validation) Split(double validationFraction, int seed)
    {
        var isVal = ValidationFiles(Files.Count, validationFraction, seed);
        return (Gather(i => !isVal[i]), Gather(i => isVal[i]));
    }

    /// <summary>Which of <paramref name="files"/> files are held out: the file split of <see cref="Split"/>, shared with the encoder trainer.</summary>
    public static bool[] ValidationFiles(int files, double validationFraction, int seed)
    {
        if (validationFraction is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(validationFraction), $"Validation fraction must be in [0, 1), got {validationFraction}.");
        var order = Enumerable.Range(0, files).ToArray();
        new Nn.TrainingRandom((ulong)seed ^ 0x5EED_5B117UL).Shuffle(order);
        int valCount = (int)Math.Ceiling(validationFraction * files);
        if (validationFraction > 0 && files >= 2) valCount = Math.Clamp(valCount, 1, files - 1);
        var isVal = new bool[files];
        foreach (var i in order.Take(valCount)) isVal[i] = true;
        return isVal;
    }

    private FrameSet Gather(Func<int, bool> take)
    {
        var chosen = Enumerable.Range(0, Files.Count).Where(take).ToArray();
        long total = chosen.Sum(i => (long)Files[i].Count) * Bins;
        var power = new float[total];
        long at = 0;
        foreach (var i in chosen)
        {
            var (_, offset, count) = Files[i];
            Array.Copy(Power, (long)offset * Bins, power, at, (long)count * Bins);
            at += (long)count * Bins;
        }
        return new FrameSet(Bins, power, chosen.Select(i => Files[i].File).ToArray());
    }
}
