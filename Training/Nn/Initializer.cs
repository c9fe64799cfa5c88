using System.Numerics;
using RealtimeDenoise.Models;

namespace RealtimeDenoise.Training.Nn;

/// <summary>Glorot/Xavier uniform for tanh and linear layers, He normal for ReLU; biases start at zero.</summary>
internal static class Initializer
{
    public static void Initialize<T>(Linear<T> layer, Activation following, TrainingRandom random) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var w = layer.Weight.Value;
        if (following == Activation.Relu)
        {
            double std = Math.Sqrt(2.0 / layer.Inputs);
            var g = new double[w.Length];
            random.FillGaussian(g);
            for (int i = 0; i < w.Length; i++) w[i] = T.CreateTruncating(std * g[i]);
        }
        else
        {
            double limit = Math.Sqrt(6.0 / (layer.Inputs + layer.Outputs));
            for (int i = 0; i < w.Length; i++) w[i] = T.CreateTruncating((2 * random.NextDouble() - 1) * limit);
        }
        Array.Clear(layer.Bias.Value);
    }
}
