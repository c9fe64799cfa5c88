using RealtimeDenoise.Audio;
using RealtimeDenoise.Enhancement;
using RealtimeDenoise.Host.Pipeline;

namespace RealtimeDenoise.Host.Tests;

/// <summary>The per-channel chain stages: each must remove its own delay and keep the exact length.</summary>
public class StageTests
{
    private static float[] RunChunks(ISampleSink head, SampleCollector sink, float[] input, int seed)
    {
        var rng = new Random(seed);
        for (int pos = 0; pos < input.Length;)
        {
            int n = Math.Min(input.Length - pos, rng.Next(1, 5000));
            head.Push(input.AsSpan(pos, n));
            pos += n;
        }
        head.Finish();
        var result = new float[sink.Available];
        sink.Take(result);
        return result;
    }

    [Theory]
    [InlineData(44100, 16000)]
    [InlineData(16000, 48000)]
    [InlineData(22050, 16000)]
    [InlineData(16000, 16000)]
    public void AlignedResampleStage_MatchesTheEnginesWholeSignalAlignedResampling(int from, int to)
    {
        var input = TestAudio.Signal(from * 2 + 17, from);
        var reference = Resampler.ResampleAligned(input, from, to); // independent, whole-signal path
        var sink = new SampleCollector();
        var output = RunChunks(new AlignedResampleStage(from, to, sink), sink, input, seed: from);
        Assert.Equal(reference.Length, output.Length);
        double maxDiff = 0;
        for (int i = 0; i < output.Length; i++) maxDiff = Math.Max(maxDiff, Math.Abs(output[i] - reference[i]));
        Assert.True(maxDiff < 1e-5, $"max difference {maxDiff}");
    }

    [Fact]
    public void StreamProcessorStage_CompensatesTheProcessorLatency()
    {
        var input = TestAudio.Signal(50_000, 16000);
        var sink = new SampleCollector();
        var output = RunChunks(new StreamProcessorStage(new DelayProcessor(16000, 1234, gain: 0.5f), sink), sink, input, seed: 3);
        Assert.Equal(input.Length, output.Length);
        for (int i = 0; i < input.Length; i++) Assert.Equal(0.5f * input[i], output[i]);
    }

    private sealed class GainEnhancer(float gain) : IEnhancer
    {
        public int Calls;
        public int SampleRate => 16000;
        public float[] Enhance(ReadOnlySpan<float> noisy, IProgress<double>? progress = null, CancellationToken cancellationToken = default)
        {
            Calls++;
            var r = new float[noisy.Length];
            for (int i = 0; i < r.Length; i++) r[i] = gain * noisy[i];
            return r;
        }
    }

    [Theory]
    [InlineData(10_000, 1000, 100)]  // many segments and a short last one
    [InlineData(3_000, 1000, 100)]   // exactly three segments
    [InlineData(500, 1000, 100)]     // shorter than one segment
    public void OfflineSegmentStage_CoversEverySampleOnce_WithSeamlessCrossfades(int length, int segment, int overlap)
    {
        var input = TestAudio.Signal(length, 16000);
        var enhancer = new GainEnhancer(0.25f);
        var sink = new SampleCollector();
        var output = RunChunks(new OfflineSegmentStage(enhancer, segment, overlap, sink), sink, input, seed: length);
        Assert.Equal(input.Length, output.Length);
        for (int i = 0; i < input.Length; i++) Assert.Equal(0.25f * input[i], output[i], 1e-6f);
        Assert.True(enhancer.Calls >= Math.Max(1, length / segment), $"{enhancer.Calls} enhancer calls");
    }

    /// <summary>Gain enhancer that takes a while and records how many instances run at once; one instance must never run twice at once.</summary>
    private sealed class SlowGainEnhancer(float gain, int[] running, int[] most, Action? onCall = null) : IEnhancer
    {
        private int _busy;
        public int Calls;
        public int SampleRate => 16000;
        public float[] Enhance(ReadOnlySpan<float> noisy, IProgress<double>? progress = null, CancellationToken cancellationToken = default)
        {
            if (Interlocked.Exchange(ref _busy, 1) == 1) throw new InvalidOperationException("one enhancer ran on two windows at once");
            int now = Interlocked.Increment(ref running[0]);
            lock (most) most[0] = Math.Max(most[0], now);
            try
            {
                Calls++;
                onCall?.Invoke();
                var r = new float[noisy.Length];
                for (int i = 0; i < r.Length; i++) r[i] = gain * noisy[i];
                Thread.Sleep(30);
                return r;
            }
            finally
            {
                Interlocked.Decrement(ref running[0]);
                Volatile.Write(ref _busy, 0);
            }
        }
    }

    [Theory]
    [InlineData(10_000, 1000, 100)]
    [InlineData(2_950, 1000, 100)]
    public void OfflineSegmentStage_WithSeveralEnhancers_RunsWindowsAtOnce_AndEmitsThemInOrder(int length, int segment, int overlap)
    {
        var input = TestAudio.Signal(length, 16000);
        int[] running = [0], most = [0];
        var enhancers = Enumerable.Range(0, 3).Select(_ => new SlowGainEnhancer(0.25f, running, most)).ToArray();
        var sink = new SampleCollector();
        var output = RunChunks(new OfflineSegmentStage(enhancers, segment, overlap, sink), sink, input, seed: length);
        Assert.Equal(input.Length, output.Length);
        for (int i = 0; i < input.Length; i++) Assert.Equal(0.25f * input[i], output[i], 1e-6f);
        Assert.All(enhancers, e => Assert.True(e.Calls > 0));
        Assert.True(most[0] >= 2, $"at most {most[0]} windows were enhanced at once");
        Assert.Equal(0, running[0]);
    }

    [Fact]
    public void OfflineSegmentStage_WhenAWindowFails_ReportsItsError_AndLeavesNoEnhancerRunning()
    {
        var input = TestAudio.Signal(10_000, 16000);
        int[] running = [0], most = [0];
        int calls = 0;
        var enhancers = Enumerable.Range(0, 3).Select(_ => new SlowGainEnhancer(0.25f, running, most,
            () => { if (Interlocked.Increment(ref calls) == 2) throw new InvalidDataException("window 2 failed"); })).ToArray();
        var sink = new SampleCollector();
        var e = Assert.Throws<InvalidDataException>(() => RunChunks(new OfflineSegmentStage(enhancers, 1000, 100, sink), sink, input, seed: 5));
        Assert.Equal("window 2 failed", e.Message);
        Assert.Equal(0, Volatile.Read(ref running[0]));
    }

    [Fact]
    public void SampleCollector_CutsAndPadsToTheExpectedLength()
    {
        var c = new SampleCollector(10);
        c.Push(new float[] { 1, 2, 3, 4, 5, 6, 7 });
        c.Push(new float[] { 8, 9, 10, 11, 12 });
        Assert.Equal(10, c.Available);
        var d = new SampleCollector(5);
        d.Push(new float[] { 1, 2 });
        d.Finish();
        var r = new float[5];
        d.Take(r);
        Assert.Equal(new float[] { 1, 2, 0, 0, 0 }, r);
    }
}
