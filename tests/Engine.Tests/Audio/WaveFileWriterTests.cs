using System.Buffers.Binary;
using RealtimeDenoise.Audio;

namespace RealtimeDenoise.Engine.Tests.Audio;

public class WaveFileWriterTests
{
    public static TheoryData<int, SampleEncoding, int> Layouts()
    {
        var data = new TheoryData<int, SampleEncoding, int>();
        foreach (int channels in new[] { 1, 2, 6 })
        {
            foreach (int bits in new[] { 8, 16, 24, 32 }) data.Add(bits, SampleEncoding.Pcm, channels);
            foreach (int bits in new[] { 32, 64 }) data.Add(bits, SampleEncoding.IeeeFloat, channels);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void RoundTripWithinHalfAStep(int bits, SampleEncoding encoding, int channels)
    {
        using var dir = new TempFolder();
        string path = dir.File("rt.wav");
        var format = new WaveFormat(44100, channels, bits, encoding);
        var rng = new Random(bits * 10 + channels);
        var x = new float[1001 * channels]; // odd frame count: 8/24-bit mono data needs a pad byte
        for (int i = 0; i < x.Length; i++) x[i] = (float)(0.99 * Math.Sin(0.01 * i) * rng.NextDouble());
        x[0] = -1f; // the most negative integer is representable
        var result = WaveFileWriter.WriteAll(path, x, format);
        Assert.Equal(1001, result.Frames);

        using var r = new WaveFileReader(path);
        Assert.Equal(format, r.Format);
        Assert.Equal(1001, r.TotalFrames);
        Assert.Empty(r.Warnings);
        float[] y = r.ReadToEndInterleaved();
        double tolerance = encoding == SampleEncoding.IeeeFloat ? 0 : bits == 32 ? 1e-7 : 0.5 / (1 << (bits - 1)) + 1e-9;
        for (int i = 0; i < x.Length; i++)
            Assert.True(Math.Abs(x[i] - y[i]) <= tolerance, $"sample {i}: wrote {x[i]}, read {y[i]}");

        // Header sizes agree with the file: RIFF size = length − 8, data size = frames × block align (+ pad).
        byte[] file = File.ReadAllBytes(path);
        Assert.Equal(file.Length - 8, BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(4)));
        int dataAt = encoding == SampleEncoding.IeeeFloat ? 38 : 36;
        Assert.Equal("data"u8.ToArray(), file[dataAt..(dataAt + 4)]);
        int dataBytes = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(dataAt + 4));
        Assert.Equal(1001 * format.BlockAlign, dataBytes);
        Assert.Equal(dataAt + 8 + dataBytes + (dataBytes & 1), file.Length);
    }

    [Fact]
    public void StreamingWritesEqualOneWrite()
    {
        using var dir = new TempFolder();
        var format = WaveFormat.Pcm16(16000, 2);
        var x = new float[2 * 5000];
        for (int i = 0; i < x.Length; i++) x[i] = (float)Math.Sin(i * 0.003);
        WaveFileWriter.WriteAll(dir.File("one.wav"), x, format);
        using (var w = new WaveFileWriter(dir.File("many.wav"), format))
        {
            for (int at = 0, step = 2; at < x.Length; at += step, step = step * 3 % 4000 + 2)
                w.Write(x.AsSpan(at, Math.Min(step, x.Length - at)));
            w.Commit();
        }
        Assert.Equal(File.ReadAllBytes(dir.File("one.wav")), File.ReadAllBytes(dir.File("many.wav")));
    }

    [Fact]
    public void Pcm16RoundsAndClipsByDefault()
    {
        using var dir = new TempFolder();
        string path = dir.File("clip.wav");
        float[] x = [1.5f, -2f, 0.5f / 32768f, 1.49f / 32768f, -1f, 32767f / 32768f];
        var result = WaveFileWriter.WriteAll(path, x, WaveFormat.Pcm16(8000));
        Assert.Equal(2, result.ClippedSamples);
        byte[] file = File.ReadAllBytes(path);
        var q = Enumerable.Range(0, x.Length).Select(i => BinaryPrimitives.ReadInt16LittleEndian(file.AsSpan(44 + 2 * i))).ToArray();
        Assert.Equal(new short[] { 32767, -32768, 1, 1, -32768, 32767 }, q);
    }

    [Fact]
    public void DitherIsTriangularWithinOneStepAndUnbiased()
    {
        using var dir = new TempFolder();
        const int n = 20000;
        var x = Enumerable.Repeat(0.3f / 32768f, n).ToArray(); // 0.3 LSB: plain rounding gives all zeros
        WaveFileWriter.WriteAll(dir.File("d.wav"), x, WaveFormat.Pcm16(8000), new WaveWriterOptions { Dither = true, DitherSeed = 42 });
        WaveFileWriter.WriteAll(dir.File("r.wav"), x, WaveFormat.Pcm16(8000));
        float[] dithered = WaveFileReader.ReadAllInterleaved(dir.File("d.wav"), out _);
        float[] rounded = WaveFileReader.ReadAllInterleaved(dir.File("r.wav"), out _);
        Assert.All(rounded, v => Assert.Equal(0f, v));
        var steps = dithered.Select(v => (int)Math.Round(v * 32768)).ToArray();
        Assert.All(steps, s => Assert.InRange(s, -1, 2)); // 0.3 + (−1, 1) rounds to −1..1 (2 is impossible but allowed by rounding at +1.3)
        double mean = steps.Average();
        Assert.InRange(mean, 0.27, 0.33); // TPDF dither makes the quantiser unbiased on average
        Assert.True(steps.Distinct().Count() >= 3);
    }

    [Fact]
    public void NonFiniteSamplesAreWrittenAsZeroAndCounted()
    {
        using var dir = new TempFolder();
        float[] x = [0.5f, float.NaN, float.PositiveInfinity, float.NegativeInfinity, -0.5f];
        foreach (var format in new[] { WaveFormat.Pcm16(8000), WaveFormat.Pcm24(8000), WaveFormat.Float32(8000) })
        {
            string path = dir.File($"nan{format.BitsPerSample}{format.Encoding}.wav");
            var result = WaveFileWriter.WriteAll(path, x, format);
            Assert.Equal(3, result.NonFiniteSamples);
            Assert.Equal(0, result.ClippedSamples);
            Assert.Equal([0.5f, 0f, 0f, 0f, -0.5f], WaveFileReader.ReadAllInterleaved(path, out _));
        }
    }

    [Fact]
    public void NothingAppearsAtTargetBeforeCommit()
    {
        using var dir = new TempFolder();
        string path = dir.File("out.wav");
        using var w = new WaveFileWriter(path, WaveFormat.Float32(16000));
        w.Write(new float[1000]);
        Assert.False(File.Exists(path));
        Assert.Equal(Path.GetDirectoryName(path), Path.GetDirectoryName(w.TempPath));
        Assert.True(File.Exists(w.TempPath));
        w.Commit();
        Assert.True(File.Exists(path));
        Assert.False(File.Exists(w.TempPath));
        Assert.Equal(["out.wav"], dir.Entries());
    }

    [Fact]
    public void DisposeWithoutCommitLeavesNothing()
    {
        using var dir = new TempFolder();
        string path = dir.File("cancelled.wav");
        using (var w = new WaveFileWriter(path, WaveFormat.Pcm16(16000)))
            w.Write(new float[333]);
        Assert.Empty(dir.Entries());
    }

    [Fact]
    public void RefusesToOverwriteUnlessTold()
    {
        using var dir = new TempFolder();
        string path = dir.File("keep.wav");
        File.WriteAllText(path, "precious");
        var e = Assert.Throws<IOException>(() => new WaveFileWriter(path, WaveFormat.Pcm16(16000)));
        Assert.Contains("keep.wav", e.Message);
        Assert.Equal("precious", File.ReadAllText(path));
        Assert.Equal(["keep.wav"], dir.Entries());

        WaveFileWriter.WriteAll(path, [0.25f], WaveFormat.Pcm16(16000), new WaveWriterOptions { Overwrite = true });
        Assert.Equal([0.25f], WaveFileReader.ReadAllInterleaved(path, out _));
        Assert.Equal(["keep.wav"], dir.Entries());
    }

    [Fact]
    public void TargetCreatedMeanwhileIsNotReplaced()
    {
        using var dir = new TempFolder();
        string path = dir.File("race.wav");
        using var w = new WaveFileWriter(path, WaveFormat.Pcm16(16000));
        w.Write([0.1f]);
        File.WriteAllText(path, "someone else");
        Assert.Throws<IOException>(() => w.Commit());
        Assert.Equal("someone else", File.ReadAllText(path));
        w.Dispose();
        Assert.Equal(["race.wav"], dir.Entries());
    }

    [Fact]
    public void MissingFolderIsNamed()
    {
        using var dir = new TempFolder();
        string path = Path.Combine(dir.Path, "nope", "out.wav");
        var e = Assert.Throws<DirectoryNotFoundException>(() => new WaveFileWriter(path, WaveFormat.Pcm16(16000)));
        Assert.Contains(path, e.Message);
        Assert.Empty(dir.Entries());
    }

    [Fact]
    public void PartialFramesAreRejected()
    {
        using var dir = new TempFolder();
        using var w = new WaveFileWriter(dir.File("x.wav"), WaveFormat.Pcm16(16000, 2));
        Assert.Throws<ArgumentException>(() => w.Write(new float[3]));
    }

    [Fact]
    public void ChannelArraysAreInterleaved()
    {
        using var dir = new TempFolder();
        string path = dir.File("ch.wav");
        WaveFileWriter.WriteAll(path, new[] { new[] { 0.5f, 0.25f }, new[] { -0.5f, -0.25f } }, WaveFormat.Float32(48000, 2));
        var clip = WaveFileReader.ReadAll(path);
        Assert.Equal(48000, clip.SampleRate);
        Assert.Equal([0.5f, 0.25f], clip.Channels[0]);
        Assert.Equal([-0.5f, -0.25f], clip.Channels[1]);
        Assert.Equal([0f, 0f], clip.ToMono());
    }
}

public class ReadMonoTests
{
    [Fact]
    public void ReadMonoDownmixesAndResamples()
    {
        using var dir = new TempFolder();
        string path = dir.File("st.wav");
        const int rate = 48000, frames = 4800;
        var left = new float[frames];
        var right = new float[frames];
        for (int i = 0; i < frames; i++)
        {
            left[i] = (float)(0.4 * Math.Sin(2 * Math.PI * 1000 * i / rate));
            right[i] = (float)(0.2 * Math.Sin(2 * Math.PI * 1000 * i / rate));
        }
        WaveFileWriter.WriteAll(path, new[] { left, right }, WaveFormat.Float32(rate, 2));

        float[] native = WaveFileReader.ReadMono(path, out int fileRate);
        Assert.Equal(rate, fileRate);
        for (int i = 0; i < frames; i++) Assert.Equal(0.5f * (left[i] + right[i]), native[i], 1e-7f);

        float[] at16k = WaveFileReader.ReadMono(path, 16000);
        Assert.Equal(1600, at16k.Length);
        for (int n = 400; n < 1200; n++) // away from the edges: the 1 kHz sine at 0.3, sampled at 16 kHz
            Assert.Equal(0.3 * Math.Sin(2 * Math.PI * 1000 * n / 16000), at16k[n], 1e-4);
    }
}
