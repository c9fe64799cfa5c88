using System.Numerics;

namespace RealtimeDenoise.Training.Nn;

/// <summary>Layers applied in order; backward runs them in reverse.</summary>
internal sealed class Sequential<T>(IReadOnlyList<ILayer<T>> layers) : ILayer<T> where T : unmanaged, INumber<T>
{
    public IReadOnlyList<ILayer<T>> Layers { get; } = layers;
    public int Inputs => Layers[0].Inputs;
    public int Outputs => Layers[^1].Outputs;
    public IReadOnlyList<Parameter<T>> Parameters { get; } = layers.SelectMany(l => l.Parameters).ToArray();

    public T[] Forward(T[] input, int batch)
    {
        var x = input;
        foreach (var layer in Layers) x = layer.Forward(x, batch);
        return x;
    }

    public T[]? Backward(T[] outputGradient, int batch, bool needInputGradient)
    {
        var g = outputGradient;
        for (int i = Layers.Count - 1; i >= 0; i--)
            g = Layers[i].Backward(g, batch, needInputGradient || i > 0)!;
        return needInputGradient ? g : null;
    }
}
