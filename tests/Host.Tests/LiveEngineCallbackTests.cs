using RealtimeDenoise.Host.Audio;
using RealtimeDenoise.Host.Pipeline;

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
}
