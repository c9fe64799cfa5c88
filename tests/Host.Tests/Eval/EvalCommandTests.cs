using System.Globalization;
using System.Text.Json.Nodes;
using RealtimeDenoise.Audio;
using RealtimeDenoise.Enhancement;
using RealtimeDenoise.Host.Cli;
using RealtimeDenoise.Host.Commands;
using RealtimeDenoise.Streaming;

namespace RealtimeDenoise.Host.Tests.Eval;

/// <summary>Plumbing of `rtdenoise eval` with identity enhancers injected through the command's test seam.</summary>
public sealed class EvalCommandTests : IDisposable
{
    private const int Rate = 16000;
    private readonly string _dir = Directory.CreateTempSubdirectory("rtdenoise-eval-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private sealed class IdentityEnhancer : IEnhancer
    {
        public int SampleRate => Rate;
        public float[] Enhance(ReadOnlySpan<float> noisy, IProgress<double>? progress = null, CancellationToken cancellationToken = default) => noisy.ToArray();
    }

    /// <summary>Passes the input through delayed by a fixed latency, across any block boundaries.</summary>
    private sealed class DelayProcessor(int latency) : IStreamProcessor
    {
        private readonly Queue<float> _line = new(Enumerable.Repeat(0f, latency));
        public int SampleRate => Rate;
        public int LatencySamples => latency;
        public bool Bypass { get; set; }
        public int Resets { get; private set; }
        public void Process(ReadOnlySpan<float> input, Span<float> output)
        {
            for (int i = 0; i < input.Length; i++) { _line.Enqueue(input[i]); output[i] = _line.Dequeue(); }
        }
        public void Reset()
        {
            Resets++;
            _line.Clear();
            for (int i = 0; i < latency; i++) _line.Enqueue(0f);
        }
        public void Dispose() { }
    }

    /// <summary>A 2 s harmonic tone with a syllable-rate envelope, plus white noise at the given SNR (exact in energy).</summary>
    private static (float[] Clean, float[] Noisy) Pair(double snrDb, int seed)
    {
        var rng = new Random(seed);
        int n = 2 * Rate;
        var clean = new float[n];
        for (int i = 0; i < n; i++)
        {
            double t = (double)i / Rate;
            double env = 0.2 + Math.Max(0, Math.Sin(2 * Math.PI * (3 + seed % 3) * t));
            clean[i] = (float)(0.2 * env * (Math.Sin(2 * Math.PI * 200 * t) + 0.5 * Math.Sin(2 * Math.PI * 600 * t) + 0.25 * Math.Sin(2 * Math.PI * 1500 * t)));
        }
        var noise = Enumerable.Range(0, n).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
        double gain = Math.Sqrt(clean.Sum(v => (double)v * v) / noise.Sum(v => v * v) / Math.Pow(10, snrDb / 10));
        return (clean, clean.Select((v, i) => (float)(v + gain * noise[i])).ToArray());
    }

    private string WriteList(params (string Id, double Snr, string Noise)[] rows)
    {
        var lines = new List<string> { "id,clean,noisy,noise_name,snr_db,speaker" };
        foreach (var (id, snr, noise) in rows)
        {
            var (clean, noisy) = Pair(snr, int.Parse(id, CultureInfo.InvariantCulture));
            Directory.CreateDirectory(Path.Combine(_dir, "audio"));
            WaveFileWriter.WriteAll(Path.Combine(_dir, "audio", $"{id}_clean.wav"), clean, WaveFormat.Float32(Rate));
            WaveFileWriter.WriteAll(Path.Combine(_dir, "audio", $"{id}_noisy.wav"), noisy, WaveFormat.Float32(Rate));
            lines.Add($"{id},audio/{id}_clean.wav,audio/{id}_noisy.wav,{noise},{snr.ToString(CultureInfo.InvariantCulture)},spk{id}");
        }
        string path = Path.Combine(_dir, "list.csv");
        File.WriteAllLines(path, lines);
        return path;
    }

    private static EvalCommand Identity(StringWriter? stdout = null, StringWriter? stderr = null, Func<DelayProcessor>? streaming = null) =>
        new(_ => new IdentityEnhancer(), _ => (streaming ?? (() => new DelayProcessor(0)))(), stdout ?? new StringWriter(), stderr ?? new StringWriter());

    private static readonly (string, double, string)[] FourFiles = [("1", -5, "babble"), ("2", 5, "babble"), ("3", -5, "street"), ("4", 5, "street")];

    [Fact]
    public void IdentityEnhancerHasZeroImprovementAndGroupsBySnrAndNoise()
    {
        string list = WriteList(FourFiles);
        string outCsv = Path.Combine(_dir, "results.csv"), outJson = Path.Combine(_dir, "results.json");
        var stdout = new StringWriter();
        var command = Identity(stdout);
        Assert.Equal(ExitCodes.Ok, command.Run(new CommandLineArgs(["--list", list, "--out", outJson]), CancellationToken.None));
        Assert.Equal(ExitCodes.Ok, Identity().Run(new CommandLineArgs(["--list", list, "--out", outCsv, "--jobs", "2"]), CancellationToken.None));

        var json = JsonNode.Parse(File.ReadAllText(outJson))!;
        var groups = json["groups"]!.AsArray().ToDictionary(g => (string)g!["group"]!, g => g!);
        Assert.Equal(["ALL", "snr=-5", "snr=5", "noise=babble", "noise=street"], groups.Keys);
        Assert.Equal(4, (int)groups["ALL"]["files"]!);
        Assert.Equal(2, (int)groups["snr=-5"]["files"]!);
        // Identity: output = noisy, so SI-SDRi = 0, STOI = STOI of the input, and SI-SDR ≈ the mixing SNR per group.
        foreach (var g in groups.Values)
        {
            Assert.Equal(0.0, (double)g["si_sdri"]!, 9);
            Assert.Equal((double)g["stoi_noisy"]!, (double)g["stoi"]!, 9);
        }
        Assert.Equal(-5.0, (double)groups["snr=-5"]["si_sdr"]!, 0);
        Assert.Equal(5.0, (double)groups["snr=5"]["si_sdr"]!, 0);
        Assert.True((double)groups["snr=5"]["stoi"]! > (double)groups["snr=-5"]["stoi"]!);
        Assert.Contains("snr=-5", stdout.ToString());
        Assert.Contains("noise=street", stdout.ToString());

        var csv = File.ReadAllLines(outCsv);
        Assert.Equal(5, csv.Length);
        var header = csv[0].Split(',');
        int sdri = Array.IndexOf(header, "si_sdri"), id = Array.IndexOf(header, "id"), lag = Array.IndexOf(header, "lag");
        Assert.Equal(["1", "2", "3", "4"], csv.Skip(1).Select(l => l.Split(',')[id])); // list order, also with 2 jobs
        Assert.All(csv.Skip(1), l => Assert.Equal("0.0000", l.Split(',')[sdri]));
        Assert.All(csv.Skip(1), l => Assert.Equal("0", l.Split(',')[lag]));
    }

    [Fact]
    public void StreamingLatencyIsCompensated()
    {
        string list = WriteList(FourFiles[..2]);
        string outCsv = Path.Combine(_dir, "streaming.csv");
        var processor = new DelayProcessor(300); // not a multiple of the 128-sample block
        var stderr = new StringWriter();
        var command = Identity(stderr: stderr, streaming: () => processor);
        int code = command.Run(new CommandLineArgs(["--list", list, "--mode", "streaming", "--out", outCsv]), CancellationToken.None);
        Assert.True(code == ExitCodes.Ok, stderr.ToString());
        var csv = File.ReadAllLines(outCsv);
        var header = csv[0].Split(',');
        Assert.All(csv.Skip(1), l => Assert.Equal("0.0000", l.Split(',')[Array.IndexOf(header, "si_sdri")]));
        Assert.All(csv.Skip(1), l => Assert.Equal("0", l.Split(',')[Array.IndexOf(header, "lag")]));
        Assert.True(processor.Resets >= 2, "the processor is reset before each file");
    }

    [Fact]
    public void SaveDirWritesEnhancedFilesEqualToTheOutput()
    {
        string list = WriteList(FourFiles[..1]);
        string save = Path.Combine(_dir, "enhanced");
        Assert.Equal(ExitCodes.Ok, Identity().Run(new CommandLineArgs(["--list", list, "--save-dir", save]), CancellationToken.None));
        float[] written = WaveFileReader.ReadMono(Path.Combine(save, "1_enhanced.wav"), out int rate);
        float[] noisy = WaveFileReader.ReadMono(Path.Combine(_dir, "audio", "1_noisy.wav"), out _);
        Assert.Equal(Rate, rate);
        Assert.Equal(noisy, written);
    }

    [Fact]
    public void MissingFileFailsItsRowOnlyAndGivesExitCodeOne()
    {
        string list = WriteList(FourFiles[..2]);
        File.Delete(Path.Combine(_dir, "audio", "2_clean.wav"));
        var stderr = new StringWriter();
        string outCsv = Path.Combine(_dir, "partial.csv");
        Assert.Equal(ExitCodes.PartialFailure, Identity(stderr: stderr).Run(new CommandLineArgs(["--list", list, "--out", outCsv]), CancellationToken.None));
        Assert.Contains("2_clean.wav", stderr.ToString());
        Assert.Contains("FAILURES: 1 of 2", stderr.ToString());
        var rows = File.ReadAllLines(outCsv);
        Assert.Equal(3, rows.Length);
        Assert.EndsWith(",", rows[1]); // row 1 scored, empty error column
        Assert.Contains("not found", rows[2]);
    }

    [Fact]
    public void MissingListIsAClearError()
    {
        var e = Assert.Throws<FileNotFoundException>(() => Identity().Run(new CommandLineArgs(["--list", Path.Combine(_dir, "nope.csv")]), CancellationToken.None));
        Assert.Contains("nope.csv", e.Message);
        // Through the CLI entry point: error message and exit status 3.
        var stderr = new StringWriter();
        Assert.Equal(ExitCodes.Error, Program.Run(["eval", "--list", Path.Combine(_dir, "nope.csv")], new StringWriter(), stderr));
        Assert.Contains("nope.csv", stderr.ToString());
    }

    [Fact]
    public void MissingColumnsAreNamed()
    {
        string list = Path.Combine(_dir, "bad.csv");
        File.WriteAllLines(list, ["id,clean,noisy,snr_db", "1,a.wav,b.wav,5"]);
        var e = Assert.Throws<InvalidDataException>(() => Identity().Run(new CommandLineArgs(["--list", list]), CancellationToken.None));
        Assert.Contains("noise_name", e.Message);
        Assert.Contains("speaker", e.Message);
    }

    [Theory]
    [InlineData("--mode", "sideways")]
    [InlineData("--out", "results.txt")]
    [InlineData("--jobs", "0")]
    [InlineData("--bogus", "1")]
    public void BadOptionsAreUsageErrors(string option, string value)
    {
        string list = WriteList(FourFiles[..1]);
        Assert.Throws<UsageException>(() => Identity().Run(new CommandLineArgs(["--list", list, option, value]), CancellationToken.None));
    }

    [Fact]
    public void MissingListOptionIsAUsageError()
    {
        Assert.Equal(ExitCodes.Usage, Program.Run(["eval"], new StringWriter(), new StringWriter()));
    }
}
