using RealtimeDenoise.Audio;

namespace RealtimeDenoise.Engine.Tests.Audio;

public class WaveFileReaderTests
{
    private static WaveFileReader Open(byte[] bytes, string name = "test.wav") => new(new MemoryStream(bytes), name);

    private static AudioFormatException Fails(byte[] bytes, string name = "bad.wav") =>
        Assert.Throws<AudioFormatException>(() => Open(bytes, name).Dispose());

    private static float[] ReadAll(WaveFileReader r) => r.ReadToEndInterleaved();

    [Fact]
    public void ReadsPlainPcm16()
    {
        var bytes = new WavBytes().Fmt(1, 2, 16000, 16).Chunk("data", WavBytes.Pcm16(0, 16384, -32768, 32767)).ToArray();
        using var r = Open(bytes);
        Assert.Equal(WaveFormat.Pcm16(16000, 2), r.Format);
        Assert.Equal(2, r.TotalFrames);
        Assert.Equal(TimeSpan.FromSeconds(2.0 / 16000), r.Duration);
        Assert.Equal([0f, 0.5f, -1f, 32767f / 32768f], ReadAll(r));
        Assert.Empty(r.Warnings);
    }

    [Fact]
    public void ReadsEveryIntegerDepthWithKnownValues()
    {
        // 8-bit is unsigned with offset 128; the others are signed little endian.
        var pcm8 = new WavBytes().Fmt(1, 1, 8000, 8).Chunk("data", [0, 128, 192, 255]).ToArray();
        using (var r = Open(pcm8)) Assert.Equal([-1f, 0f, 0.5f, 127f / 128f], ReadAll(r));

        var pcm24 = new WavBytes().Fmt(1, 1, 8000, 24).Chunk("data", [0x00, 0x00, 0x80, 0xFF, 0xFF, 0x7F, 0x00, 0x00, 0x40]).ToArray();
        using (var r = Open(pcm24)) Assert.Equal([-1f, 8388607f / 8388608f, 0.5f], ReadAll(r));

        var pcm32 = new WavBytes().Fmt(1, 1, 8000, 32).Chunk("data", [.. WavBytes.U32(0x80000000), .. WavBytes.U32(0x40000000)]).ToArray();
        using (var r = Open(pcm32)) Assert.Equal([-1f, 0.5f], ReadAll(r));
    }

    [Fact]
    public void ReadsFloat32AndFloat64AndZeroesNonFinite()
    {
        byte[] f32 = [.. BitConverter.GetBytes(0.25f), .. BitConverter.GetBytes(float.NaN), .. BitConverter.GetBytes(-0.75f)];
        using (var r = Open(new WavBytes().Fmt(3, 1, 44100, 32).Chunk("data", f32).ToArray()))
        {
            Assert.Equal(SampleEncoding.IeeeFloat, r.Format.Encoding);
            Assert.Equal([0.25f, 0f, -0.75f], ReadAll(r));
            Assert.Equal(1, r.NonFiniteSamples);
            Assert.Contains(r.Warnings, w => w.Contains("NaN"));
        }
        byte[] f64 = [.. BitConverter.GetBytes(0.125), .. BitConverter.GetBytes(double.PositiveInfinity)];
        using (var r = Open(new WavBytes().Fmt(3, 1, 44100, 64).Chunk("data", f64).ToArray()))
        {
            Assert.Equal([0.125f, 0f], ReadAll(r));
            Assert.Equal(1, r.NonFiniteSamples);
        }
    }

    [Fact]
    public void ReadsExtensiblePcmAndFloat()
    {
        var pcm = new WavBytes().FmtExtensible(1, 2, 48000, 24, validBits: 20, channelMask: 3)
            .Chunk("data", [0x00, 0x00, 0x40, 0x00, 0x00, 0xC0]).ToArray();
        using (var r = Open(pcm))
        {
            Assert.Equal(new WaveFormat(48000, 2, 24, SampleEncoding.Pcm), r.Format);
            Assert.Equal([0.5f, -0.5f], ReadAll(r));
        }
        var flt = new WavBytes().FmtExtensible(3, 1, 96000, 32, validBits: 32, channelMask: 4)
            .Chunk("data", BitConverter.GetBytes(-0.3f)).ToArray();
        using (var r = Open(flt))
        {
            Assert.Equal(WaveFormat.Float32(96000), r.Format);
            Assert.Equal([-0.3f], ReadAll(r));
        }
    }

    [Fact]
    public void SkipsUnknownAndOddSizedChunksWithPadBytes()
    {
        var bytes = new WavBytes()
            .Chunk("LIST", "INFOISFT\x03\0\0\0ab\0"u8.ToArray()) // 15 bytes: odd, followed by a pad byte
            .Fmt(1, 1, 22050, 16)
            .Chunk("fact", WavBytes.U32(3))
            .Chunk("bext", new byte[7]) // odd again
            .Chunk("data", WavBytes.Pcm16(100, -200, 300))
            .Chunk("LIST", new byte[5])
            .ToArray();
        using var r = Open(bytes);
        Assert.Equal(3, r.TotalFrames);
        Assert.Equal([100 / 32768f, -200 / 32768f, 300 / 32768f], ReadAll(r));
        Assert.Empty(r.Warnings);
    }

    [Fact]
    public void FindsFmtAfterData()
    {
        var bytes = new WavBytes().Chunk("data", WavBytes.Pcm16(1, 2, 3, 4)).Fmt(1, 2, 8000, 16).ToArray();
        using var r = Open(bytes);
        Assert.Equal(2, r.TotalFrames);
        Assert.Equal([1 / 32768f, 2 / 32768f, 3 / 32768f, 4 / 32768f], ReadAll(r));
    }

    [Fact]
    public void ReadsRf64WithDs64Sizes()
    {
        byte[] ds64 = [.. WavBytes.U64(0), .. WavBytes.U64(6), .. WavBytes.U64(3), .. WavBytes.U32(0)];
        var bytes = new WavBytes().RiffId("RF64").RiffSize(uint.MaxValue).Chunk("ds64", ds64)
            .Fmt(1, 1, 16000, 16).Chunk("data", WavBytes.Pcm16(5, 6, 7), declaredSize: uint.MaxValue).ToArray();
        using var r = Open(bytes);
        Assert.Equal(3, r.TotalFrames);
        Assert.Empty(r.Warnings);
    }

    [Fact]
    public void TruncatedDataReadsWholeFramesWithWarning()
    {
        // Declares 100 stereo frames; the file holds 2 frames and half of a third.
        byte[] data = [.. WavBytes.Pcm16(1, 2, 3, 4), 5, 0];
        var bytes = new WavBytes().Fmt(1, 2, 16000, 16).Chunk("data", data, declaredSize: 400).ToArray();
        using var r = Open(bytes, "cut.wav");
        Assert.Equal(2, r.TotalFrames);
        Assert.Equal([1 / 32768f, 2 / 32768f, 3 / 32768f, 4 / 32768f], ReadAll(r));
        Assert.Contains(r.Warnings, w => w.Contains("cut.wav") && w.Contains("400") && w.Contains("reading what exists"));
        Assert.Contains(r.Warnings, w => w.Contains("partial frame"));
    }

    [Fact]
    public void UnfinalisedHeaderIsReadToTheEndWithWarning()
    {
        // What a recorder that was killed before fixing its sizes leaves behind: both sizes still 0... or 36.
        foreach (uint riffSize in new uint[] { 0, 36 })
        {
            var bytes = new WavBytes().RiffSize(riffSize).Fmt(1, 1, 16000, 16).Chunk("data", WavBytes.Pcm16(7, 8, 9), declaredSize: 0).ToArray();
            using var r = Open(bytes, "crashed.wav");
            Assert.Equal([7 / 32768f, 8 / 32768f, 9 / 32768f], ReadAll(r));
            Assert.Contains(r.Warnings, w => w.Contains("crashed.wav") && w.Contains("not finalised"));
        }
        // A genuinely empty data chunk followed by another chunk inside the RIFF size stays empty.
        var empty = new WavBytes().Fmt(1, 1, 16000, 16).Chunk("data", []).Chunk("LIST", new byte[4]).ToArray();
        using var e = Open(empty);
        Assert.Equal(0, e.TotalFrames);
        Assert.Empty(e.Warnings);
    }

    [Fact]
    public void NonSeekableStreamThatEndsEarlyStopsAtLastWholeFrameWithWarning()
    {
        byte[] data = [.. WavBytes.Pcm16(1, 2, 3), 9];
        var bytes = new WavBytes().Fmt(1, 1, 16000, 16).Chunk("data", data, declaredSize: 1000, pad: false).ToArray();
        using var r = new WaveFileReader(new NonSeekableStream(bytes), "pipe");
        var buf = new float[10];
        Assert.Equal(3, r.Read(buf));
        Assert.Equal(0, r.Read(buf));
        Assert.Equal(3, r.TotalFrames);
        Assert.Contains(r.Warnings, w => w.Contains("pipe") && w.Contains("ends after 3 frames"));
    }

    [Theory]
    [InlineData(1), InlineData(3), InlineData(7), InlineData(1000), InlineData(40000)]
    public void StreamingReadInOddBlocksEqualsWholeRead(int blockFrames)
    {
        var rng = new Random(blockFrames);
        var samples = new short[3 * 9001];
        for (int i = 0; i < samples.Length; i++) samples[i] = (short)rng.Next(short.MinValue, short.MaxValue + 1);
        var bytes = new WavBytes().Fmt(1, 3, 16000, 16).Chunk("data", WavBytes.Pcm16(samples)).ToArray();
        float[] whole;
        using (var r = Open(bytes)) whole = ReadAll(r);

        using var s = Open(bytes);
        var got = new List<float>();
        var block = new float[blockFrames * 3 + 2]; // +2: not a whole frame, must be ignored
        int n;
        while ((n = s.Read(block)) > 0)
        {
            got.AddRange(block.AsSpan(0, n * 3).ToArray());
            Assert.Equal(got.Count / 3, s.Position);
        }
        Assert.Equal(whole, got.ToArray());
        Assert.Equal(samples.Select(v => v / 32768f), whole);
    }

    [Fact]
    public void SeekMovesToFrame()
    {
        var bytes = new WavBytes().Fmt(1, 2, 16000, 16).Chunk("data", WavBytes.Pcm16(1, 2, 3, 4, 5, 6)).ToArray();
        using var r = Open(bytes);
        r.Seek(2);
        var buf = new float[4];
        Assert.Equal(1, r.Read(buf));
        Assert.Equal(5 / 32768f, buf[0]);
        r.Seek(0);
        Assert.Equal(2, r.Read(buf));
        Assert.Equal(1 / 32768f, buf[0]);
    }

    public static TheoryData<string, byte[], string[]> BadFiles()
    {
        var data = WavBytes.Pcm16(1, 2);
        return new()
        {
            { "empty", [], ["empty file"] },
            { "not riff", "OggS\0\0\0\0\0\0\0\0\0\0"u8.ToArray(), ["not a RIFF/WAVE file", "'OggS'", "looks like Ogg", "ffmpeg"] },
            { "flac", [.. "fLaC"u8, 0, 0, 0, 0x22, 0x10, 0, 0x10, 0], ["not a RIFF/WAVE file", "looks like FLAC", "convert it first"] },
            { "mp3 with tag", [.. "ID3"u8, 4, 0, 0, 0, 0, 0, 0, 0, 0], ["looks like MP3"] },
            { "mp3 frame", [0xFF, 0xFB, 0x90, 0x64, 0, 0, 0, 0, 0, 0, 0, 0], ["looks like MP3"] },
            { "m4a", [0, 0, 0, 0x20, .. "ftypM4A "u8, 0, 0, 0, 0], ["looks like MP4/M4A"] },
            { "aiff", [.. "FORM"u8, 0, 0, 0, 0x20, .. "AIFF"u8], ["looks like AIFF"] },
            { "unknown", "abcdefghijkl"u8.ToArray(), ["not a RIFF/WAVE file", "'abcd'"] },
            { "truncated header", "RIFF\x10\0\0"u8.ToArray(), ["truncated header"] },
            { "not wave", new WavBytes().Form("AVI ").ToArray(), ["not WAVE", "'AVI '"] },
            { "no fmt", new WavBytes().Chunk("data", data).ToArray(), ["no fmt chunk"] },
            { "no data", new WavBytes().Fmt(1, 1, 16000, 16).Chunk("LIST", new byte[4]).ToArray(), ["no data chunk"] },
            { "short fmt", new WavBytes().Chunk("fmt ", new byte[12]).Chunk("data", data).ToArray(), ["fmt chunk too short"] },
            { "fmt cut off", new WavBytes().Chunk("fmt ", new byte[10], declaredSize: 16, pad: false).ToArray(), ["truncated header"] },
            { "zero channels", new WavBytes().Fmt(1, 0, 16000, 16, blockAlign: 2).Chunk("data", data).ToArray(), ["zero channels"] },
            { "too many channels", new WavBytes().Fmt(1, 1025, 16000, 16).Chunk("data", data).ToArray(), ["absurd channel count 1025"] },
            { "rate 0", new WavBytes().Fmt(1, 1, 0, 16).Chunk("data", data).ToArray(), ["sample rate 0"] },
            { "rate 2 MHz", new WavBytes().Fmt(1, 1, 2_000_000, 16).Chunk("data", data).ToArray(), ["absurd sample rate 2000000"] },
            { "block align", new WavBytes().Fmt(1, 2, 16000, 16, blockAlign: 3).Chunk("data", data).ToArray(), ["block align mismatch", "3"] },
            { "12-bit float", new WavBytes().Fmt(3, 1, 16000, 16).Chunk("data", data).ToArray(), ["unsupported sample size", "16-bit float"] },
            { "40-bit pcm", new WavBytes().Fmt(1, 1, 16000, 40).Chunk("data", new byte[10]).ToArray(), ["unsupported sample size", "40-bit PCM"] },
            { "a-law", new WavBytes().Fmt(6, 1, 8000, 8).Chunk("data", data).ToArray(), ["A-law", "0x0006"] },
            { "mu-law", new WavBytes().Fmt(7, 1, 8000, 8).Chunk("data", data).ToArray(), ["µ-law", "0x0007"] },
            { "adpcm", new WavBytes().Fmt(2, 1, 8000, 4, blockAlign: 256).Chunk("data", data).ToArray(), ["ADPCM", "0x0002"] },
            { "ima adpcm", new WavBytes().Fmt(0x11, 1, 8000, 4, blockAlign: 256).Chunk("data", data).ToArray(), ["IMA ADPCM", "0x0011"] },
            { "mp3", new WavBytes().Fmt(0x55, 2, 44100, 0, blockAlign: 1).Chunk("data", data).ToArray(), ["MP3", "0x0055"] },
            { "extensible a-law", new WavBytes().FmtExtensible(6, 1, 8000, 8, 8, 4).Chunk("data", data).ToArray(), ["A-law", "0x0006"] },
            { "extensible foreign guid", new WavBytes().FmtExtensible(1, 1, 8000, 16, 16, 4, guidTail: new byte[12]).Chunk("data", data).ToArray(), ["sub-format"] },
            { "extensible short", new WavBytes().Chunk("fmt ", [.. WavBytes.FmtPayload(0xFFFE, 1, 8000, 16, 2, 16000), 0, 0]).Chunk("data", data).ToArray(), ["EXTENSIBLE", "too short"] },
        };
    }

    [Theory]
    [InlineData("abcdefghijkl")]
    [InlineData("RIFX\0\0\0\0WAVE")]
    [InlineData("FORM\0\0\0\0AVI ")]
    [InlineData("ft")]
    public void OtherFormatHintIsSilentForBytesItDoesNotKnow(string head) =>
        Assert.Equal("", WaveFileReader.OtherFormatHint(System.Text.Encoding.Latin1.GetBytes(head)));

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void BadInputThrowsTypedExceptionNamingFileAndProblem(string caseName, byte[] bytes, string[] expected)
    {
        var e = Fails(bytes, $"case-{caseName}.wav");
        Assert.IsAssignableFrom<IOException>(e);
        Assert.StartsWith($"case-{caseName}.wav: ", e.Message);
        Assert.Equal($"case-{caseName}.wav", e.FileName);
        foreach (string part in expected) Assert.Contains(part, e.Message);
    }

    [Fact]
    public void BadFileOnDiskIsNamedAndClosed()
    {
        using var dir = new TempFolder();
        string path = dir.File("text.wav");
        File.WriteAllText(path, "hello, this is not audio");
        var e = Assert.Throws<AudioFormatException>(() => new WaveFileReader(path));
        Assert.Contains(path, e.Message);
        File.Delete(path); // would fail on some systems if the reader had leaked the handle
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void ReadsRealDevTestFile()
    {
        const string folder = "/work/shared/data/dev-test";
        string? file = Directory.Exists(folder) ? Directory.GetFiles(folder, "*_clean.wav").Order().FirstOrDefault() : null;
        if (file == null) return; // data not present on this machine: nothing to check
        using var r = new WaveFileReader(file);
        Assert.Equal(WaveFormat.Pcm16(16000, 1), r.Format);
        Assert.Equal((new FileInfo(file).Length - 44) / 2, r.TotalFrames);
        Assert.InRange(r.Duration.TotalSeconds, 1.0, 30.0);
        float[] x = r.ReadToEndInterleaved();
        Assert.Equal(r.TotalFrames, x.Length);
        double rms = Math.Sqrt(x.Sum(v => (double)v * v) / x.Length);
        Assert.InRange(rms, 1e-4, 0.7); // real speech: neither silent nor garbage
        Assert.Empty(r.Warnings);
    }

    private sealed class NonSeekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override long Seek(long offset, SeekOrigin loc) => throw new NotSupportedException();
    }
}
