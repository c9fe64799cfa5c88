using RealtimeDenoise.Enhancement;
using RealtimeDenoise.Host.Audio;
using RealtimeDenoise.Host.Pipeline;
using RealtimeDenoise.Models;
using RealtimeDenoise.Streaming;

namespace RealtimeDenoise.Host.Tests;

/// <summary>The real-time callbacks of the live engine, driven directly (no device): no allocation, metering, silence on under-run.</summary>
public unsafe class LiveEngineCallbackTests
{
    private static LiveEngine Engine(int outChannels)
    {
        var dev = new AudioDevice(0, "test", 0, "none", 1, outChannels, 48000, 0.01, 0.01, true, true);
        var options = new LiveEngineOptions(dev, dev, 48000, 48000, 480, 0.02, 480, 960, TimeSpan.FromSeconds(1));
        return new LiveEngine(options, new DelayProcessor(16000, 0), RateConverters.Create(48000, 16000), RateConverters.Create(16000, 48000));
    }

    [Fact]
    public void Callbacks_DoNotAllocate()
    {
        using var engine = Engine(2);
        var input = TestAudio.Signal(480, 48000);
        var output = new float[960];
        fixed (float* i = input) fixed (float* o = output)
        {
            for (int k = 0; k < 10; k++) { engine.OnInput(i, 480, 0); engine.OnOutput(o, 480, 0); } // warm up (JIT)
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int k = 0; k < 1000; k++) { engine.OnInput(i, 480, 0); engine.OnOutput(o, 480, 0x4); }
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Equal(0, allocated);
        }
    }

    [Fact]
    public void InputIsMetered_AndAnEmptyOutputRingPlaysSilenceOnEveryChannel()
    {
        using var engine = Engine(2);
        var input = new float[480];
        Array.Fill(input, 0.5f);
        var output = new float[960];
        Array.Fill(output, 9f);
        fixed (float* i = input) fixed (float* o = output)
        {
            engine.OnInput(i, 480, 0);
            engine.OnOutput(o, 480, 0);
        }
        Assert.Equal(20 * Math.Log10(0.5), engine.InputMeter.TakeDb(), 3);
        Assert.All(output, v => Assert.Equal(0f, v));
        Assert.Equal(2, engine.Callbacks);
        Assert.Equal(480, engine.FramesIn);
    }

    /// <summary>
    /// The worker warm-up (run before the streams open, so the first real blocks are not slowed by the JIT) runs the
    /// real chain and must then leave it exactly as new: the live output after it equals a fresh chain's, bit for bit.
    /// </summary>
    [Fact]
    public void WorkerWarmUp_LeavesTheProcessorAndConvertersAsNew()
    {
        using var model = ModelPackage.Load(null);
        using var warmed = Denoiser.CreateStreaming(model);
        using var fresh = Denoiser.CreateStreaming(model);
        var dev = new AudioDevice(0, "test", 0, "none", 1, 1, 48000, 0.01, 0.01, true, true);
        var options = new LiveEngineOptions(dev, dev, 48000, 48000, 480, 0.02, 480, 960, TimeSpan.FromSeconds(1));
        IRateConverter toModel = RateConverters.Create(48000, 16000), fromModel = RateConverters.Create(16000, 48000);
        using (var engine = new LiveEngine(options, warmed, toModel, fromModel)) engine.WarmUpWorker();

        var input = TestAudio.Signal(48000, 48000);
        float[] Chain(IStreamProcessor processor, IRateConverter down, IRateConverter up)
        {
            var atModel = new float[down.MaxOutput(input.Length)];
            int m = down.Process(input, atModel);
            var processed = new float[m];
            processor.Process(atModel.AsSpan(0, m), processed);
            var output = new float[up.MaxOutput(m)];
            return output[..up.Process(processed, output)];
        }
        var expected = Chain(fresh, RateConverters.Create(48000, 16000), RateConverters.Create(16000, 48000));
        var actual = Chain(warmed, toModel, fromModel);
        Assert.True(expected.Max(MathF.Abs) > 1e-3f, "the chain should pass the test signal");
        Assert.Equal(expected, actual);
    }
}
