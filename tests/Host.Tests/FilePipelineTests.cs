using RealtimeDenoise.Audio;
using RealtimeDenoise.Host.Pipeline;

namespace RealtimeDenoise.Host.Tests;

/// <summary>
/// The file pipeline with a known processor (a pure delay with a gain) standing in for the enhancer:
/// whatever the processor's latency and the resampling, the output must be the input (× gain),
/// aligned to the sample and exactly as long, in the input's format.
/// </summary>
public class FilePipelineTests
{
    private static DenoiseSettings Streaming(int latency, float gain = 0.5f, int rate = 16000) =>
        new(EnhanceMode.Streaming, () => new DelayProcessor(rate, latency, gain), null, rate, BlockFrames: 7000);

    [Theory]
    [InlineData(16000, 1, 16, 0)]
    [InlineData(44100, 2, 32, 1)]
    [InlineData(48000, 3, 24, 0)]
    public void Output_IsAlignedAndAsLongAsTheInput_InTheInputFormat(int rate, int channels, int bits, int isFloat)
    {
        string dir = TestAudio.TempDir("pipe");
        try
        {
            var format = new WaveFormat(rate, channels, bits, isFloat == 1 ? SampleEncoding.IeeeFloat : SampleEncoding.Pcm);
            string input = TestAudio.WriteWav(Path.Combine(dir, "in.wav"), format, rate * 3 + 11);
            string output = Path.Combine(dir, "out.wav");
            var result = FilePipeline.Run(input, output, Streaming(latency: 321));

            var inClip = WaveFileReader.ReadAllInterleaved(input, out var inFormat);
            var outClip = WaveFileReader.ReadAllInterleaved(output, out var outFormat);
            Assert.Equal(inFormat, outFormat);
            Assert.Equal(inClip.Length, outClip.Length);
            Assert.Equal(result.InputFrames, result.OutputFrames);
            for (int c = 0; c < channels; c++)
            {
                var x = new float[inClip.Length / channels];
                var y = new float[x.Length];
                ChannelMixer.ExtractChannel(inClip, channels, c, x);
                ChannelMixer.ExtractChannel(outClip, channels, c, y);
                // Reference: the same band limit without any delay (Engine's aligned whole-signal resampling).
                var reference = rate == 16000 ? x : Resampler.ResampleAligned(Resampler.ResampleAligned(x, rate, 16000), 16000, rate);
                // (the round trip may round the length by a sample; the pipeline's length is the input's, checked above)
                var expected = reference.Take(y.Length).Select(v => 0.5f * v).ToArray();
                // Skip the filter's edge transients; compare the body.
                int edge = rate / 50;
                Assert.True(expected.Length >= y.Length - 1);
                y = y.AsSpan(0, expected.Length).ToArray();
                double sdr = TestAudio.SiSdr(y.AsSpan(edge, y.Length - 2 * edge), expected.AsSpan(edge, expected.Length - 2 * edge));
                Assert.True(sdr > 40, $"channel {c}: SI-SDR {sdr:0.0} dB against the aligned reference");
                // A one-sample shift must be clearly worse: the check can fail.
                double shifted = TestAudio.SiSdr(y.AsSpan(edge + 1, y.Length - 2 * edge), expected.AsSpan(edge, expected.Length - 2 * edge));
                Assert.True(shifted < sdr - 10, $"channel {c}: shifted {shifted:0.0} dB vs aligned {sdr:0.0} dB");
            }
            Assert.DoesNotContain(Directory.GetFiles(dir), f => f.EndsWith(".tmp"));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void MonoRateAndFormatOptions_ChangeTheOutputLayout_KeepingTheDuration()
    {
        string dir = TestAudio.TempDir("opts");
        try
        {
            string input = TestAudio.WriteWav(Path.Combine(dir, "in.wav"), WaveFormat.Pcm16(44100, 2), 44100 * 2 + 5);
            string output = Path.Combine(dir, "out.wav");
            var settings = Streaming(latency: 40) with { Mono = true, OutputRate = 22050, Format = OutputSampleFormat.Float32 };
            FilePipeline.Run(input, output, settings);
            using var r = new WaveFileReader(output);
            Assert.Equal(WaveFormat.Float32(22050, 1), r.Format);
            Assert.Equal((44100L * 2 + 5) * 22050 * 2 / 44100 / 2 + ((44100L * 2 + 5) * 22050 * 2 % (2 * 44100) >= 44100 ? 1 : 0), r.TotalFrames);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void OfflineMode_WithSegments_IsAlignedToo()
    {
        string dir = TestAudio.TempDir("offl");
        try
        {
            string input = TestAudio.WriteWav(Path.Combine(dir, "in.wav"), WaveFormat.Float32(16000, 1), 16000 * 5);
            string output = Path.Combine(dir, "out.wav");
            var settings = new DenoiseSettings(EnhanceMode.Offline, null, () => new HalfGainEnhancer(), 16000, SegmentSeconds: 1.3, OverlapSeconds: 0.2);
            FilePipeline.Run(input, output, settings);
            var x = WaveFileReader.ReadAllInterleaved(input, out _);
            var y = WaveFileReader.ReadAllInterleaved(output, out _);
            Assert.Equal(x.Length, y.Length);
            for (int i = 0; i < x.Length; i++) Assert.Equal(0.5f * x[i], y[i], 1e-6f);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Cancellation_LeavesNoOutputAndNoTempFile()
    {
        string dir = TestAudio.TempDir("cancel");
        try
        {
            string input = TestAudio.WriteWav(Path.Combine(dir, "in.wav"), WaveFormat.Pcm16(16000, 1), 16000 * 20);
            string output = Path.Combine(dir, "out.wav");
            using var cts = new CancellationTokenSource();
            int calls = 0;
            var settings = new DenoiseSettings(EnhanceMode.Streaming,
                () => new CallbackProcessor(() => { if (++calls == 5) cts.Cancel(); }), null, 16000, BlockFrames: 4096);
            Assert.ThrowsAny<OperationCanceledException>(() => FilePipeline.Run(input, output, settings, null, cts.Token));
            Assert.False(File.Exists(output));
            Assert.Equal(new[] { "in.wav" }, Directory.GetFiles(dir).Select(Path.GetFileName).ToArray());
        }
        finally { Directory.Delete(dir, true); }
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)] // the failing channel runs beside another: its exception must come out as itself, not wrapped
    public void AFailingProcessor_LeavesNoOutput_AndReportsTheCause(int channels, int workers)
    {
        string dir = TestAudio.TempDir("fail");
        try
        {
            string input = TestAudio.WriteWav(Path.Combine(dir, "in.wav"), WaveFormat.Pcm16(16000, channels), 16000 * 4);
            string output = Path.Combine(dir, "out.wav");
            int processors = 0;
            var settings = new DenoiseSettings(EnhanceMode.Streaming, () =>
            {
                bool failing = ++processors == channels;
                int calls = 0;
                return new CallbackProcessor(() => { if (failing && ++calls == 3) throw new InvalidDataException("model exploded"); });
            }, null, 16000, BlockFrames: 4096, Workers: workers);
            var e = Assert.Throws<InvalidDataException>(() => FilePipeline.Run(input, output, settings));
            Assert.Contains("model exploded", e.Message);
            Assert.False(File.Exists(output));
            Assert.Single(Directory.GetFiles(dir));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Theory]
    [InlineData(EnhanceMode.Streaming, 3, 3, 3)] // three channels side by side
    [InlineData(EnhanceMode.Offline, 3, 3, 3)]
    [InlineData(EnhanceMode.Offline, 1, 3, 3)]   // one channel, three windows at once
    [InlineData(EnhanceMode.Offline, 2, 4, 4)]   // two channels, two windows each
    public void WorkersSideBySide_GiveTheSameFile_AsOneAfterAnother(EnhanceMode mode, int channels, int workers, int processors)
    {
        string dir = TestAudio.TempDir("workers");
        try
        {
            // Every channel different, every streaming processor stateful (a delay line), windows 1.3 s long: a buffer
            // or a processor shared between two channels, or windows emitted out of order, would mix the output up.
            string input = TestAudio.WriteWav(Path.Combine(dir, "in.wav"), WaveFormat.Pcm24(44100, channels), 44100 * 6 + 7);
            int created = 0;
            DenoiseSettings Settings(int n) => new(mode,
                () => { Interlocked.Increment(ref created); return new DelayProcessor(16000, 257, 0.5f); },
                () => { Interlocked.Increment(ref created); return new HalfGainEnhancer(); },
                16000, BlockFrames: 5000, SegmentSeconds: 1.1, OverlapSeconds: 0.2, Workers: n);
            FilePipeline.Run(input, Path.Combine(dir, "one.wav"), Settings(1));
            Assert.Equal(channels, created);
            FilePipeline.Run(input, Path.Combine(dir, "many.wav"), Settings(workers));
            Assert.Equal(channels + processors, created);
            Assert.Equal(File.ReadAllBytes(Path.Combine(dir, "one.wav")), File.ReadAllBytes(Path.Combine(dir, "many.wav")));
            // The channels stay apart: each output channel follows its own input channel, not the next one.
            var x = WaveFileReader.ReadAllInterleaved(input, out _);
            var y = WaveFileReader.ReadAllInterleaved(Path.Combine(dir, "many.wav"), out _);
            for (int c = 0; c < channels; c++)
            {
                var xc = new float[x.Length / channels];
                var yc = new float[xc.Length];
                var other = new float[xc.Length];
                ChannelMixer.ExtractChannel(x, channels, c, xc);
                ChannelMixer.ExtractChannel(y, channels, c, yc);
                ChannelMixer.ExtractChannel(x, channels, (c + 1) % channels, other);
                int edge = 44100 / 50;
                double own = TestAudio.SiSdr(yc.AsSpan(edge, yc.Length - 2 * edge), xc.AsSpan(edge, xc.Length - 2 * edge));
                Assert.True(own > 30, $"channel {c}: {own:0.0} dB against its input");
                if (channels == 1) continue;
                double next = TestAudio.SiSdr(yc.AsSpan(edge, yc.Length - 2 * edge), other.AsSpan(edge, other.Length - 2 * edge));
                Assert.True(next < 0, $"channel {c}: {next:0.0} dB against the next channel's input");
            }
        }
        finally { Directory.Delete(dir, true); }
    }

    internal sealed class HalfGainEnhancer : RealtimeDenoise.Enhancement.IEnhancer
    {
        public int SampleRate => 16000;
        public float[] Enhance(ReadOnlySpan<float> noisy, IProgress<double>? progress = null, CancellationToken cancellationToken = default) =>
            noisy.ToArray().Select(v => 0.5f * v).ToArray();
    }

    /// <summary>Identity processor that calls back on every block (to cancel or fail mid-file).</summary>
    internal sealed class CallbackProcessor(Action onBlock) : RealtimeDenoise.Streaming.IStreamProcessor
    {
        public int SampleRate => 16000;
        public int LatencySamples => 0;
        public bool Bypass { get; set; }
        public void Process(ReadOnlySpan<float> input, Span<float> output) { onBlock(); input.CopyTo(output); }
        public void Reset() { }
        public void Dispose() { }
    }
}
