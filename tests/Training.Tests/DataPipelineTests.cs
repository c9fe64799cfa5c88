using RealtimeDenoise.Dsp;
using RealtimeDenoise.Training.Data;

namespace RealtimeDenoise.Training.Tests;

public sealed class DataPipelineTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "rtd-data-" + Guid.NewGuid().ToString("N"));
    private static readonly StftConfig Config = new(64, 16, 8000);

    public DataPipelineTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Touch(string relative)
    {
        string path = Path.Combine(_dir, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, relative); // content only matters to the fake loader (and the cache key)
        return path;
    }

    /// <summary>A tone whose amplitude is the file name's length, with a silent tail.</summary>
    private static float[] FakeAudio(string path, int rate)
    {
        string text = File.ReadAllText(path);
        if (text.Contains("corrupt")) throw new InvalidDataException($"{path}: not a WAV file");
        var x = new float[rate / 2];
        if (text.Contains("silent")) return x;
        for (int i = 0; i < rate / 4; i++) x[i] = 0.1f * text.Length * MathF.Sin(0.3f * i);
        return x;
    }

    [Fact]
    public void FolderIsSearchedRecursivelyInPathOrder()
    {
        Touch("b/x.wav"); Touch("a.WAV"); Touch("notes.txt"); Touch("c/d/e.wav");
        var files = AudioFileList.Resolve(_dir);
        Assert.Equal(new[] { "a.WAV", "b/x.wav", "c/d/e.wav" }, files.Select(f => Path.GetRelativePath(_dir, f).Replace('\\', '/')));
    }

    [Fact]
    public void ListAndCsvFilesResolveRelativeToTheirFolder()
    {
        File.WriteAllText(Path.Combine(_dir, "list.txt"), "# comment\none.wav\n\n/abs/two.wav\n");
        Assert.Equal(new[] { Path.Combine(_dir, "one.wav"), "/abs/two.wav" }, AudioFileList.Resolve(Path.Combine(_dir, "list.txt")));
        File.WriteAllText(Path.Combine(_dir, "pairs.csv"), "id,clean,noisy\n1,c1.wav,n1.wav\n2,c2.wav,\"n2, quoted.wav\"\n");
        Assert.Equal(new[] { Path.Combine(_dir, "c1.wav"), Path.Combine(_dir, "c2.wav") }, AudioFileList.Resolve(Path.Combine(_dir, "pairs.csv")));
    }

    [Fact]
    public void SilenceRuleDropsFramesSixtyDecibelsBelowThePeak()
    {
        int bins = 3;
        // Frame energies: 1, 1e-5 (−50 dB), 1e-7 (−70 dB), 0.
        var power = new float[] { 0.5f, 0.5f, 0, 1e-5f, 0, 0, 0, 1e-7f, 0, 0, 0, 0 };
        Assert.Equal(new[] { 0, 1 }, new SilenceRule(60).Keep(power, 4, bins));
        Assert.Equal(new[] { 0 }, new SilenceRule(40).Keep(power, 4, bins));
    }

    [Fact]
    public void CorruptAndSilentFilesAreSkippedAndFramesMatchTheStft()
    {
        var files = new[] { Touch("good.wav"), Touch("corrupt.wav"), Touch("silent.wav") };
        var warnings = new List<string>();
        var corpus = new CorpusLoader(Config, new SilenceRule(), FakeAudio, warnings.Add).Load(files, null);
        Assert.Equal(2, corpus.SkippedFiles.Count);
        Assert.Equal(2, warnings.Count);
        Assert.Contains(warnings, w => w.Contains("corrupt.wav") && w.Contains("not a WAV"));
        var single = corpus.Files.Single();
        Assert.Equal(files[0], single.File);
        // Reference: the Engine STFT of the same signal, with the same frames kept.
        var power = new Stft(Config).Analyze(FakeAudio(files[0], Config.SampleRate)).Power();
        var keep = new SilenceRule().Keep(power, power.Length / Config.Bins, Config.Bins);
        Assert.Equal(keep.Length, single.Count);
        Assert.True(corpus.SilentFramesDropped > 0);
        for (int i = 0; i < keep.Length; i++)
            Assert.Equal(power.AsSpan(keep[i] * Config.Bins, Config.Bins).ToArray(), corpus.Power.AsSpan(i * Config.Bins, Config.Bins).ToArray());
    }

    [Fact]
    public void NoUsableFramesIsAClearError()
    {
        var files = new[] { Touch("corrupt.wav"), Touch("silent.wav") };
        var e = Assert.Throws<InvalidDataException>(() => new CorpusLoader(Config, new SilenceRule(), FakeAudio).Load(files, null));
        Assert.Contains("No usable frames", e.Message);
    }

    [Fact]
    public void SecondLoadComesFromTheCacheWithoutReadingAudio()
    {
        var files = new[] { Touch("a.wav"), Touch("bb.wav"), Touch("corrupt.wav") };
        string cache = Path.Combine(_dir, "cache");
        int reads = 0;
        float[] Counting(string p, int r) { reads++; return FakeAudio(p, r); }
        var first = new CorpusLoader(Config, new SilenceRule(), Counting).Load(files, cache);
        Assert.Equal(3, reads);
        var second = new CorpusLoader(Config, new SilenceRule(), Counting).Load(files, cache);
        Assert.Equal(3, reads);
        Assert.True(second.FromCache);
        Assert.Equal(first.Power, second.Power);
        Assert.Equal(first.Files, second.Files);
        Assert.Equal(first.SkippedFiles, second.SkippedFiles);
        // Another STFT geometry is another cache entry.
        new CorpusLoader(Config with { HopSize = 32 }, new SilenceRule(), Counting).Load(files, cache);
        Assert.Equal(6, reads);
    }

    [Fact]
    public void SplitIsByFileAndSeeded()
    {
        var files = Enumerable.Range(0, 20).Select(i => Touch($"f{i:D2}{new string('x', i % 5)}.wav")).ToArray();
        var corpus = new CorpusLoader(Config, new SilenceRule(), FakeAudio).Load(files, null);
        var (train, val) = corpus.Split(0.1, seed: 3);
        Assert.Equal(2, val.Files.Count);
        Assert.Empty(train.Files.Intersect(val.Files));
        Assert.Equal(corpus.TotalFrames, train.Frames + val.Frames);
        Assert.Equal(val.Files, corpus.Split(0.1, seed: 3).Validation.Files);
        var others = Enumerable.Range(4, 6).Select(s => corpus.Split(0.1, s).Validation.Files).ToArray();
        Assert.Contains(others, o => !o.SequenceEqual(val.Files));
    }
}
