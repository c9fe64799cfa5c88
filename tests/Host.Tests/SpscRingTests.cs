using RealtimeDenoise.Host.Audio;

namespace RealtimeDenoise.Host.Tests;

public class SpscRingTests
{
    [Fact]
    public void Capacity_IsRoundedUpToAPowerOfTwo()
    {
        Assert.Equal(1024, new SpscRing(1000).Capacity);
        Assert.Equal(8, new SpscRing(8).Capacity);
    }

    [Fact]
    public void WritesAndReads_InOrder_AcrossTheWrap()
    {
        var ring = new SpscRing(16);
        var buf = new float[7];
        float next = 0, expect = 0;
        for (int round = 0; round < 50; round++)
        {
            for (int i = 0; i < 5; i++) buf[i] = next++;
            Assert.Equal(5, ring.Write(buf.AsSpan(0, 5)));
            var outBuf = new float[5];
            Assert.Equal(5, ring.Read(outBuf));
            foreach (var v in outBuf) Assert.Equal(expect++, v);
            Assert.Equal(0, ring.Count);
        }
    }

    [Fact]
    public void FullRing_RefusesTheExcess_AndEmptyRing_ReadsNothing()
    {
        var ring = new SpscRing(8);
        Assert.Equal(8, ring.Write(new float[12]));
        Assert.Equal(0, ring.Free);
        Assert.Equal(0, ring.Write(new float[1]));
        Assert.Equal(3, ring.Skip(3));
        Assert.Equal(5, ring.Read(new float[10]));
        Assert.Equal(0, ring.Read(new float[10]));
        Assert.Equal(4, ring.WriteSilence(4));
        var z = new float[4] { 1, 1, 1, 1 };
        ring.Read(z);
        Assert.All(z, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void ProducerAndConsumerThreads_TransferEverySampleInOrder()
    {
        var ring = new SpscRing(256);
        const int total = 2_000_000;
        var producer = new Thread(() =>
        {
            var block = new float[37];
            int sent = 0;
            while (sent < total)
            {
                int n = Math.Min(block.Length, total - sent);
                for (int i = 0; i < n; i++) block[i] = (sent + i) % 1_000_003;
                int w = ring.Write(block.AsSpan(0, n));
                sent += w;
                if (w == 0) Thread.Yield();
            }
        });
        producer.Start();
        var read = new float[53];
        int received = 0;
        bool inOrder = true;
        while (received < total)
        {
            int n = ring.Read(read);
            for (int i = 0; i < n; i++) inOrder &= read[i] == (received + i) % 1_000_003;
            received += n;
            if (n == 0) Thread.Yield();
        }
        producer.Join();
        Assert.True(inOrder);
        Assert.Equal(total, received);
    }
}
