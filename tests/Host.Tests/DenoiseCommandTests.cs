using RealtimeDenoise.Audio;
using RealtimeDenoise.Enhancement;
using RealtimeDenoise.Host.Cli;
using RealtimeDenoise.Host.Commands;
using RealtimeDenoise.Host.Pipeline;

namespace RealtimeDenoise.Host.Tests;

[CollectionDefinition("Console", DisableParallelization = true)]
public sealed class ConsoleCollection;

/// <summary>
/// `rtdenoise denoise` end to end on a folder (mixed rates, formats and channel counts, a corrupt file,
/// a subfolder), run in-process with a delay processor standing in for the enhancer.
/// </summary>
[Collection("Console")]
public class DenoiseCommandTests
{
    private static (int Code, string Err) Run(CancellationToken token, params string[] args) => Run(token, () => new DelayProcessor(16000, 100, 0.5f), args);

    private static (int Code, string Err) Run(CancellationToken token, Func<RealtimeDenoise.Streaming.IStreamProcessor> processor, params string[] args)
    {
        var err = new StringWriter();
        var saved = Console.Error;
        Console.SetError(err);
        DenoiseCommand.StreamingOverride = processor;
        try
        {
            var parsed = new CommandLineArgs(args);
            int code;
            try { code = new DenoiseCommand().Run(parsed, token); }
            catch (UsageException e) { err.WriteLine(e.Message); code = ExitCodes.Usage; }
            return (code, err.ToString());
        }
        finally
        {
            Console.SetError(saved);
            DenoiseCommand.StreamingOverride = null;
        }
    }

    private static string MakeFolder()
    {
        string dir = TestAudio.TempDir("batch");
        string inDir = Path.Combine(dir, "in");
        Directory.CreateDirectory(Path.Combine(inDir, "sub"));
        TestAudio.WriteWav(Path.Combine(inDir, "a16k.wav"), WaveFormat.Pcm16(16000, 1), 16000);
        TestAudio.WriteWav(Path.Combine(inDir, "b44k_stereo_float.wav"), WaveFormat.Float32(44100, 2), 44100 + 7);
        TestAudio.WriteWav(Path.Combine(inDir, "sub", "c48k_3ch_24bit.wav"), WaveFormat.Pcm24(48000, 3), 24000);
        TestAudio.WriteWav(Path.Combine(inDir, "sub", "d8k_8bit.wav"), new WaveFormat(8000, 1, 8, SampleEncoding.Pcm), 8000);
        File.WriteAllBytes(Path.Combine(inDir, "corrupt.wav"), "RIFF\x10\0\0\0WAVEjunkjunkjunk"u8.ToArray());
        File.WriteAllText(Path.Combine(inDir, "notes.txt"), "not audio");
        return dir;
    }

    [Fact]
    public void Folder_MirrorsTheTree_KeepsEachFormat_AndReportsTheCorruptFile()
    {
        string dir = MakeFolder();
        try
        {
            string inDir = Path.Combine(dir, "in"), outDir = Path.Combine(dir, "out");
            var (code, err) = Run(CancellationToken.None, inDir, "-o", outDir, "--mode", "streaming", "--jobs", "2");
            Assert.Equal(ExitCodes.PartialFailure, code);
            Assert.Contains("4 ok, 1 failed", err);
            string failedLine = err.Split('\n').Single(l => l.Contains("failed:") && l.Contains("corrupt"));
            Assert.Contains("no fmt chunk", failedLine); // the reader's reason...
            Assert.Single(System.Text.RegularExpressions.Regex.Matches(failedLine, "corrupt\\.wav")); // ...and the file named once
            foreach (var rel in new[] { "a16k.wav", "b44k_stereo_float.wav", "sub/c48k_3ch_24bit.wav", "sub/d8k_8bit.wav" })
            {
                using var a = new WaveFileReader(Path.Combine(inDir, rel));
                using var b = new WaveFileReader(Path.Combine(outDir, rel));
                Assert.Equal(a.Format, b.Format);
                Assert.Equal(a.TotalFrames, b.TotalFrames);
            }
            Assert.False(File.Exists(Path.Combine(outDir, "corrupt.wav")));
            Assert.False(File.Exists(Path.Combine(outDir, "notes.txt")));
            Assert.Empty(Directory.EnumerateFiles(outDir, "*.tmp", SearchOption.AllDirectories));

            // Second run: existing outputs are skipped, not overwritten, unless --overwrite.
            var stamp = File.GetLastWriteTimeUtc(Path.Combine(outDir, "a16k.wav"));
            (code, err) = Run(CancellationToken.None, inDir, "-o", outDir, "--mode", "streaming");
            Assert.Contains("0 ok, 1 failed, 4 skipped", err);
            Assert.Equal(stamp, File.GetLastWriteTimeUtc(Path.Combine(outDir, "a16k.wav")));
            (code, err) = Run(CancellationToken.None, Path.Combine(inDir, "a16k.wav"), "-o", Path.Combine(outDir, "a16k.wav"), "--mode", "streaming", "--overwrite");
            Assert.Equal(ExitCodes.Ok, code);
            Assert.Contains("1 ok, 0 failed, 0 skipped", err);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void AnOutputFolderInsideTheInputFolder_IsNotReadBackAsInput()
    {
        string dir = MakeFolder();
        try
        {
            string inDir = Path.Combine(dir, "in"), outDir = Path.Combine(inDir, "clean");
            var (code, err) = Run(CancellationToken.None, inDir, "-o", outDir, "--mode", "streaming");
            Assert.Contains("4 ok, 1 failed, 0 skipped", err);
            (code, err) = Run(CancellationToken.None, inDir, "-o", outDir, "--mode", "streaming");
            Assert.Contains("0 ok, 1 failed, 4 skipped", err);
            Assert.False(Directory.Exists(Path.Combine(outDir, "clean")));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void AnOutputEqualToAnInput_IsRefused_AndTheInputIsUntouched()
    {
        string dir = MakeFolder();
        try
        {
            string input = Path.Combine(dir, "in", "a16k.wav");
            byte[] before = File.ReadAllBytes(input);
            var (code, err) = Run(CancellationToken.None, input, "-o", input, "--overwrite", "--mode", "streaming");
            Assert.Equal(ExitCodes.Usage, code);
            Assert.Contains("is an input", err);
            // The same through a symbolic link to the folder.
            string link = Path.Combine(dir, "link");
            Directory.CreateSymbolicLink(link, Path.Combine(dir, "in"));
            (code, err) = Run(CancellationToken.None, input, "-o", Path.Combine(link, "a16k.wav"), "--overwrite", "--mode", "streaming");
            Assert.Equal(ExitCodes.Usage, code);
            Assert.Equal(before, File.ReadAllBytes(input));
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>
    /// An output folder that cannot be written. The tests run as root, for whom a chmod 0555 folder is
    /// still writable, so as root the "folder" is a regular file (creating anything below it fails for
    /// everyone); as another user it is a real read-only folder.
    /// </summary>
    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // Unix file modes make the folder read-only
    public void AnUnwritableOutputFolder_FailsEveryFile_WithAReason_AndLeavesNothing()
    {
        string dir = MakeFolder();
        try
        {
            string inDir = Path.Combine(dir, "in");
            string outDir = Path.Combine(dir, "readonly-out");
            bool root = Environment.UserName == "root";
            if (root) File.WriteAllText(outDir, "a file where a folder is expected");
            else
            {
                Directory.CreateDirectory(outDir);
                File.SetUnixFileMode(outDir, UnixFileMode.UserRead | UnixFileMode.UserExecute);
            }
            var (code, err) = Run(CancellationToken.None, inDir, "-o", outDir, "--mode", "streaming");
            Assert.Equal(ExitCodes.PartialFailure, code);
            Assert.Contains("0 ok, 5 failed", err);
            if (!root) File.SetUnixFileMode(outDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            if (Directory.Exists(outDir)) Assert.Empty(Directory.EnumerateFileSystemEntries(outDir));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void ACancelledRun_ExitsWith130_AndLeavesNoOutputs()
    {
        string dir = MakeFolder();
        try
        {
            using var cts = new CancellationTokenSource();
            cts.Cancel();
            var (code, err) = Run(cts.Token, Path.Combine(dir, "in"), "-o", Path.Combine(dir, "out"), "--mode", "streaming");
            Assert.Equal(ExitCodes.Cancelled, code);
            Assert.Contains("stopped", err);
            Assert.True(!Directory.Exists(Path.Combine(dir, "out")) || !Directory.EnumerateFiles(Path.Combine(dir, "out"), "*", SearchOption.AllDirectories).Any());
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>Stopped in the middle of a file (Ctrl-C, SIGTERM): exit code 130 and a line saying so, not an unhandled exception.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void ARunStoppedMidFile_ExitsWith130_AndLeavesNoOutputs(int jobs)
    {
        string dir = MakeFolder();
        try
        {
            using var cts = new CancellationTokenSource();
            int blocks = 0;
            var (code, err) = Run(cts.Token, () => new FilePipelineTests.CallbackProcessor(() => { if (Interlocked.Increment(ref blocks) == 2) cts.Cancel(); }),
                Path.Combine(dir, "in"), "-o", Path.Combine(dir, "out"), "--mode", "streaming", "--jobs", jobs.ToString());
            Assert.Equal(ExitCodes.Cancelled, code);
            Assert.Contains("stopped", err);
            Assert.True(!Directory.Exists(Path.Combine(dir, "out")) || !Directory.EnumerateFiles(Path.Combine(dir, "out"), "*", SearchOption.AllDirectories).Any());
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Lookahead_ReachesTheStreamingOptions()
    {
        Assert.Equal(0, EnhancerChoice.Parse(new CommandLineArgs([])).Streaming.LookaheadFrames);
        Assert.Equal(4, EnhancerChoice.Parse(new CommandLineArgs(["--lookahead", "4"])).Streaming.LookaheadFrames);
    }

    [Fact]
    public void CompanionWeight_ReachesTheStreamingOptions_AndTheOfflinePasses()
    {
        Assert.Equal(new StreamingOptions().CompanionWeight, EnhancerChoice.Parse(new CommandLineArgs([])).Streaming.CompanionWeight);
        var choice = EnhancerChoice.Parse(new CommandLineArgs(["--companion-weight", "0.25"]));
        var streaming = choice.Streaming;
        Assert.Equal(0.25f, streaming.CompanionWeight);
        Assert.Equal(0.25f, choice.Offline.StreamingPasses!.CompanionWeight);
        // The embedded companion comes with the embedded default only, and not at weight 0.
        var load = new RealtimeDenoise.Models.ModelLoadOptions();
        using (var companion = ModelChoice.LoadCompanion(null, streaming, load)) Assert.NotNull(companion);
        Assert.Null(ModelChoice.LoadCompanion(null, new StreamingOptions { CompanionWeight = 0 }, load));
        Assert.Null(ModelChoice.LoadCompanion("models/default", streaming, load));
    }

    [Fact]
    public void Refiner_IsTheModelPackages_AndNoRefinerTurnsItOff()
    {
        Assert.NotNull(MaskRefiner.Embedded);
        Assert.Same(MaskRefiner.Embedded, EnhancerChoice.Parse(new CommandLineArgs([])).Offline.MaskRefiner);
        var off = EnhancerChoice.Parse(new CommandLineArgs(["--no-refiner"]));
        Assert.Null(off.Offline.MaskRefiner);
        off.RequireStreaming(streamingMode: false);
        Assert.Contains("offline", Assert.Throws<UsageException>(() => off.RequireStreaming(streamingMode: true)).Message);
        string dir = TestAudio.TempDir("refiner-package");
        try
        {
            // A package given with --model brings its own refiner, or none.
            Assert.Null(EnhancerChoice.Parse(new CommandLineArgs(["--model", dir])).Offline.MaskRefiner);
            File.WriteAllText(Path.Combine(dir, MaskRefiner.FileName), MaskRefiner.Embedded!.ToJson());
            var own = EnhancerChoice.Parse(new CommandLineArgs(["--model", dir])).Offline.MaskRefiner;
            Assert.NotNull(own);
            Assert.NotSame(MaskRefiner.Embedded, own);
            File.WriteAllText(Path.Combine(dir, MaskRefiner.FileName), "{ broken");
            Assert.Contains(MaskRefiner.FileName, Assert.Throws<InvalidDataException>(() => EnhancerChoice.Parse(new CommandLineArgs(["--model", dir]))).Message);

            string input = Path.Combine(dir, "a.wav"), output = Path.Combine(dir, "b.wav");
            TestAudio.WriteWav(input, WaveFormat.Pcm16(16000, 1), 1600);
            var (code, err) = Run(CancellationToken.None, input, "-o", output, "--mode", "streaming", "--no-refiner");
            Assert.Equal(ExitCodes.Usage, code);
            Assert.Contains("--no-refiner", err);
            Assert.False(File.Exists(output));
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>A bad --lookahead, --companion-weight or --max-attenuation (or --lookahead with the offline mode) writes nothing.</summary>
    [Theory]
    [InlineData("streaming", "--lookahead", "9", "--lookahead"), InlineData("streaming", "--lookahead", "-1", "--lookahead")]
    [InlineData("streaming", "--lookahead", "x", "--lookahead"), InlineData("offline", "--lookahead", "4", "--mode streaming")]
    [InlineData("streaming", "--companion-weight", "1.5", "--companion-weight"), InlineData("offline", "--companion-weight", "1.5", "--companion-weight")]
    [InlineData("streaming", "--max-attenuation", "61", "--max-attenuation"), InlineData("offline", "--max-attenuation", "-1", "--max-attenuation")]
    [InlineData("offline", "--max-attenuation", "loud", "--max-attenuation")]
    public void BadEnhancerOption_IsAUsageError_AndWritesNothing(string mode, string option, string value, string expectedInMessage)
    {
        string dir = TestAudio.TempDir("enhancer-option");
        try
        {
            string input = Path.Combine(dir, "a.wav"), output = Path.Combine(dir, "b.wav");
            TestAudio.WriteWav(input, WaveFormat.Pcm16(16000, 1), 1600);
            var (code, err) = Run(CancellationToken.None, input, "-o", output, "--mode", mode, option, value);
            Assert.Equal(ExitCodes.Usage, code);
            Assert.Contains(expectedInMessage, err);
            Assert.False(File.Exists(output));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void MaxAttenuation_SetsTheFinalFloorOfEachMode_AndOnlyWhenGiven()
    {
        var defaults = EnhancerChoice.Parse(new CommandLineArgs([]));
        Assert.Equal(new StreamingOptions().MaxAttenuationDb, defaults.Streaming.MaxAttenuationDb);
        Assert.Equal(new OfflineOptions().MaxAttenuationDb, defaults.Offline.MaxAttenuationDb);
        var given = EnhancerChoice.Parse(new CommandLineArgs(["--max-attenuation", "12"]));
        Assert.Equal(12f, given.Streaming.MaxAttenuationDb);
        Assert.Equal(12f, given.Offline.MaxAttenuationDb);
        // The offline passes keep their own floor: the offline floor bounds the blended mask.
        Assert.Equal(new StreamingOptions().MaxAttenuationDb, given.Offline.StreamingPasses!.MaxAttenuationDb);
    }

    /// <summary>
    /// The floor reaches the offline enhancer (the real embedded model): on white noise, which it removes down to the
    /// floor, a 6 dB floor keeps about a quarter of the energy and a 40 dB floor almost none.
    /// </summary>
    [Fact]
    public void MaxAttenuation_BoundsHowMuchTheOfflineModeRemoves()
    {
        string dir = TestAudio.TempDir("floor");
        try
        {
            var random = new Random(3);
            var noise = new float[24000];
            for (int i = 0; i < noise.Length; i++) noise[i] = 0.05f * (float)(random.NextDouble() * 2 - 1);
            string input = Path.Combine(dir, "noise.wav");
            WaveFileWriter.WriteAll(input, [noise], WaveFormat.Float32(16000, 1));
            double Kept(string floor)
            {
                string output = Path.Combine(dir, $"out{floor}.wav");
                var (code, err) = Run(CancellationToken.None, input, "-o", output, "--max-attenuation", floor);
                Assert.True(code == ExitCodes.Ok, err);
                var y = WaveFileReader.ReadMono(output, 16000);
                return y.Sum(v => (double)v * v) / noise.Sum(v => (double)v * v);
            }
            double gentle = Kept("6"), strong = Kept("40");
            Assert.True(gentle > 0.2 && gentle <= 1.05, $"6 dB floor kept {gentle:F3} of the noise energy");
            Assert.True(strong < gentle / 10, $"40 dB floor kept {strong:F4}, the 6 dB floor {gentle:F3}");
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Help_ListsEveryCommand_WithoutPlaceholders()
    {
        var w = new StringWriter();
        Assert.Equal(ExitCodes.Ok, Program.Run(["--help"], w, w));
        string help = w.ToString();
        foreach (var name in new[] { "bench", "denoise", "devices", "eval", "live", "model", "train" })
        {
            var line = help.Split('\n').Single(l => l.TrimStart().StartsWith(name + " "));
            Assert.DoesNotContain("not implemented", line);
        }
    }
}
