using RealtimeDenoise.Models;
using RealtimeDenoise.Numerics;

namespace RealtimeDenoise.Engine.Tests.Models;

public class ManagedVarianceModelTests
{
    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(1, 16, 513)]
    [InlineData(2, 8, 4)]
    [InlineData(3, 19, 7)]
    [InlineData(5, 33, 9)]
    [InlineData(64, 128, 257)]
    [InlineData(7, 16, 33)]
    [InlineData(9, 5, 47)]
    [InlineData(4, 128, 32)]
    public void Gemm_matches_naive_product(int rows, int inputs, int outputs)
    {
        var x = TestModels.Gaussian(rows * inputs, 1);
        var w = TestModels.Gaussian(outputs * inputs, 2);
        var b = TestModels.Gaussian(outputs, 3);
        var y = new float[rows * outputs];
        var yp = new float[rows * outputs];
        var yk = new float[rows * outputs];
        Gemm.Forward(x, rows, inputs, w, b, outputs, y);
        Gemm.ForwardParallel(x, rows, inputs, w, b, outputs, yp, threads: 3);
        Gemm.Forward(x, rows, new PackedMatrix(w, b, outputs, inputs), yk);
        for (int r = 0; r < rows; r++)
            for (int o = 0; o < outputs; o++)
            {
                double s = b[o];
                for (int i = 0; i < inputs; i++) s += (double)x[r * inputs + i] * w[o * inputs + i];
                Assert.True(Math.Abs(y[r * outputs + o] - s) <= 1e-5 * (1 + Math.Abs(s)), $"y[{r},{o}] = {y[r * outputs + o]}, expected {s}");
                Assert.Equal(y[r * outputs + o], yp[r * outputs + o]);
                Assert.True(Math.Abs(yk[r * outputs + o] - s) <= 1e-5 * (1 + Math.Abs(s)), $"packed y[{r},{o}] = {yk[r * outputs + o]}, expected {s}");
            }
    }

    [Fact]
    public void Gemm_without_bias_and_with_short_buffers()
    {
        var x = TestModels.Gaussian(3 * 10, 4);
        var w = TestModels.Gaussian(5 * 10, 5);
        var y = new float[15];
        Gemm.Forward(x, 3, 10, w, ReadOnlySpan<float>.Empty, 5, y);
        double s = 0;
        for (int i = 0; i < 10; i++) s += (double)x[20 + i] * w[40 + i];
        Assert.Equal(s, y[14], 5);
        Assert.Throws<ArgumentException>(() => Gemm.Forward(x, 3, 10, w, ReadOnlySpan<float>.Empty, 5, new float[14]));
    }

    [Theory]
    [InlineData(Activation.Tanh, true, true, 1)]
    [InlineData(Activation.Tanh, true, true, 7)]
    [InlineData(Activation.Relu, true, false, 256)]
    [InlineData(Activation.Tanh, false, true, 300)]
    public void Managed_matches_double_precision_reference(Activation act, bool log, bool standardize, int batch)
    {
        var w = TestModels.Random(65, 6, [40, 24], [24, 40], act, seed: 11, log, standardize);
        using var model = new ManagedVarianceModel(w, TestModels.CardFor(w, act));
        var power = TestModels.Power(batch, 65, 12);
        if (!log) for (int i = 0; i < power.Length; i++) power[i] *= 1e8f; // keep raw features O(1)
        var mu = new float[batch * 6];
        var lv = new float[batch * 6];
        model.Encode(power, batch, mu, lv);
        var z = TestModels.Gaussian(batch * 6, 13);
        var logVar = new float[batch * 65];
        model.Decode(z, batch, logVar);
        double worst = 0;
        for (int n = 0; n < batch; n++)
        {
            var (rm, rl) = ReferenceVae.Encode(w, power.AsSpan(n * 65, 65));
            var rd = ReferenceVae.Decode(w, z.AsSpan(n * 6, 6));
            for (int d = 0; d < 6; d++)
            {
                worst = Math.Max(worst, Math.Abs(mu[n * 6 + d] - rm[d]) / (1 + Math.Abs(rm[d])));
                worst = Math.Max(worst, Math.Abs(lv[n * 6 + d] - rl[d]) / (1 + Math.Abs(rl[d])));
            }
            for (int f = 0; f < 65; f++) worst = Math.Max(worst, Math.Abs(logVar[n * 65 + f] - rd[f]) / (1 + Math.Abs(rd[f])));
        }
        Assert.True(worst < 1e-4, $"largest relative deviation from the double reference: {worst:E2}");
    }

    [Fact]
    public void Threads_and_clones_give_the_same_results()
    {
        var w = TestModels.Random(33, 4, [32], [32], Activation.Tanh, seed: 21);
        var card = TestModels.CardFor(w, Activation.Tanh);
        using var one = new ManagedVarianceModel(w, card, threads: 1);
        using var four = new ManagedVarianceModel(w, card, threads: 4);
        using var clone = one.Clone();
        const int n = 333;
        var power = TestModels.Power(n, 33, 22);
        var z = TestModels.Gaussian(n * 4, 23);
        float[] Run(IVarianceModel m)
        {
            var mu = new float[n * 4]; var lv = new float[n * 4]; var v = new float[n * 33];
            m.Encode(power, n, mu, lv);
            m.Decode(z, n, v);
            return [.. mu, .. lv, .. v];
        }
        var expected = Run(one);
        Assert.Equal(expected, Run(four));
        Assert.Equal(expected, Run(clone));
    }

    [Fact]
    public void ReloadWeights_picks_up_in_place_changes()
    {
        var w = TestModels.Random(17, 3, [8], [8], Activation.Tanh, seed: 51);
        using var model = new ManagedVarianceModel(w, TestModels.CardFor(w, Activation.Tanh));
        var z = TestModels.Gaussian(3 * 5, 52);
        var before = new float[5 * 17];
        model.Decode(z, 5, before);
        for (int i = 0; i < w.Decoder[^1].Weight.Length; i++) w.Decoder[^1].Weight[i] *= 2;
        w.Decoder[^1].Bias[3] += 1;
        var stale = new float[5 * 17];
        model.Decode(z, 5, stale);
        Assert.Equal(before, stale); // packed copy: unchanged until reloaded
        model.ReloadWeights();
        var after = new float[5 * 17];
        model.Decode(z, 5, after);
        for (int n = 0; n < 5; n++)
        {
            var reference = ReferenceVae.Decode(w, z.AsSpan(n * 3, 3));
            for (int f = 0; f < 17; f++) Assert.Equal(reference[f], after[n * 17 + f], 4);
        }
    }

    [Fact]
    public void Calls_do_not_allocate_after_warmup()
    {
        var w = TestModels.Random(257, 16, [128], [128], Activation.Tanh, seed: 31);
        using var model = new ManagedVarianceModel(w, TestModels.CardFor(w, Activation.Tanh));
        model.Warmup(64);
        var power = TestModels.Power(64, 257, 1);
        var z = TestModels.Gaussian(64 * 16, 2);
        var mu = new float[64 * 16]; var lv = new float[64 * 16]; var v = new float[64 * 257];
        model.Encode(power, 64, mu, lv); // JIT and tiering happen here, not below
        model.Decode(z, 64, v);
        long allocated = AllocationProbe.SteadyStateBytes(() =>
        {
            for (int i = 0; i < 50; i++)
            {
                model.Encode(power, 1 + i, mu, lv);
                model.Decode(z, 1 + i, v);
            }
        });
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Wrong_buffer_sizes_and_disposal_are_reported()
    {
        var w = TestModels.Random(17, 3, [8], [8], Activation.Tanh, seed: 41);
        var model = new ManagedVarianceModel(w, TestModels.CardFor(w, Activation.Tanh));
        Assert.Throws<ArgumentException>(() => model.Decode(new float[6], 2, new float[33]));
        Assert.Throws<ArgumentException>(() => model.Encode(new float[17], 1, new float[2], new float[3]));
        model.Decode(new float[6], 2, new float[34]);
        model.Dispose();
        model.Dispose(); // harmless
        Assert.Throws<ObjectDisposedException>(() => model.Decode(new float[6], 2, new float[34]));
    }
}
