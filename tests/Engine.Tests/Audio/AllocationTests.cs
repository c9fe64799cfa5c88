using RealtimeDenoise.Audio;

namespace RealtimeDenoise.Engine.Tests.Audio;

/// <summary>The streaming paths allocate nothing per call once constructed (they may run in an audio callback).</summary>
public class AllocationTests
{
    private static long AllocatedBy(Action action, int repeats)
    {
        action(); // first call may JIT
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < repeats; i++) action();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Theory]
    [InlineData(48000, 16000), InlineData(44100, 16000), InlineData(16000, 48000)]
    public void ResamplerProcessDoesNotAllocate(int from, int to)
    {
        var r = new Resampler(from, to);
        var input = new float[from / 100];
        for (int i = 0; i < input.Length; i++) input[i] = MathF.Sin(i);
        var output = new float[r.MaxOutputLength(input.Length)];
        Assert.Equal(0, AllocationProbe.SteadyStateBytes(() => { for (int i = 0; i < 200; i++) r.Process(input, output); }));

        var aligned = Resampler.CreateAligned(from, to);
        var tail = new float[aligned.MaxFlushLength];
        Assert.Equal(0, AllocationProbe.SteadyStateBytes(() =>
        {
            for (int i = 0; i < 50; i++) { aligned.Process(input, output); aligned.Flush(tail); aligned.Reset(); }
        }));
    }

    [Fact]
    public void ReaderAndWriterBlocksDoNotAllocate()
    {
        using var dir = new TempFolder();
        var format = WaveFormat.Pcm16(16000, 2);
        var block = new float[2 * 160];
        using var writer = new WaveFileWriter(dir.File("a.wav"), format);
        Assert.Equal(0, AllocatedBy(() => writer.Write(block), 500));
        writer.Commit();

        using var reader = new WaveFileReader(dir.File("a.wav"));
        Assert.Equal(0, AllocatedBy(() => reader.Read(block), 400));
        Assert.Equal(401, reader.Position / 160);
    }
}
