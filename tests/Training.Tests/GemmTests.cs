using RealtimeDenoise.Training.Nn;

namespace RealtimeDenoise.Training.Tests;

public class GemmTests
{
    [Theory]
    [InlineData(1, 1, 1, 1)]
    [InlineData(7, 5, 3, 1)]
    [InlineData(9, 257, 33, 2)]
    [InlineData(37, 16, 257, 2)]
    [InlineData(64, 128, 17, 3)]
    public void ProductsMatchNaiveLoops(int m, int k, int n, int threads)
    {
        var rng = new TrainingRandom(7);
        var a = Random(rng, m * k); var at = new double[k * m]; Gemm.Transpose(a, at, m, k);
        var b = Random(rng, k * n);
        var c0 = Random(rng, m * n);
        var expected = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int q = 0; q < k; q++) s += a[i * k + q] * b[q * n + j];
                expected[i * n + j] = s;
            }
        var nn = new double[m * n];
        Gemm.MultiplyNN(a, b, nn, m, k, n, accumulate: false, threads);
        var tn = (double[])c0.Clone();
        Gemm.MultiplyTN(at, b, tn, m, k, n, accumulate: true, threads);
        for (int i = 0; i < m * n; i++)
        {
            Assert.Equal(expected[i], nn[i], 1e-12);
            Assert.Equal(expected[i] + c0[i], tn[i], 1e-12);
        }
    }

    [Fact]
    public void ResultIsBitIdenticalForAnyThreadCount()
    {
        var rng = new TrainingRandom(3);
        int m = 103, k = 129, n = 257;
        var a = new float[m * k]; rng.FillGaussian(a);
        var b = new float[k * n]; rng.FillGaussian(b);
        var one = new float[m * n]; var two = new float[m * n]; var five = new float[m * n];
        Gemm.MultiplyNN(a, b, one, m, k, n, false, 1);
        Gemm.MultiplyNN(a, b, two, m, k, n, false, 2);
        Gemm.MultiplyNN(a, b, five, m, k, n, false, 5);
        Assert.Equal(one, two);
        Assert.Equal(one, five);
    }

    private static double[] Random(TrainingRandom rng, int count)
    {
        var x = new double[count];
        rng.FillGaussian(x);
        return x;
    }
}
