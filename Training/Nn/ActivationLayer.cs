using System.Numerics;
using System.Numerics.Tensors;
using RealtimeDenoise.Models;

namespace RealtimeDenoise.Training.Nn;

/// <summary>Element-wise tanh or ReLU (the activations the exported graph supports).</summary>
internal sealed class ActivationLayer<T> : ILayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private T[]? _output, _inputGradient;

    public ActivationLayer(Activation kind, int width)
    {
        if (kind is not (Activation.Tanh or Activation.Relu)) throw new ArgumentException($"Unsupported hidden activation {kind}.");
        Kind = kind;
        Inputs = Outputs = width;
    }

    public Activation Kind { get; }
    public int Inputs { get; }
    public int Outputs { get; }
    public IReadOnlyList<Parameter<T>> Parameters => [];

    public T[] Forward(T[] input, int batch)
    {
        var output = BatchBuffer.Ensure(ref _output, batch, Outputs);
        var src = input.AsSpan(0, batch * Inputs);
        var dst = output.AsSpan(0, batch * Outputs);
        if (Kind == Activation.Tanh) TensorPrimitives.Tanh<T>(src, dst);
        else TensorPrimitives.Max<T>(src, T.Zero, dst);
        return output;
    }

    public T[]? Backward(T[] outputGradient, int batch, bool needInputGradient)
    {
        if (!needInputGradient) return null;
        var y = (_output ?? throw new InvalidOperationException("Backward before Forward.")).AsSpan(0, batch * Outputs);
        var dy = outputGradient.AsSpan(0, batch * Outputs);
        var dx = BatchBuffer.Ensure(ref _inputGradient, batch, Inputs).AsSpan(0, batch * Inputs);
        if (Kind == Activation.Tanh)
        {
            // d tanh = 1 − y²
            TensorPrimitives.Multiply<T>(y, y, dx);
            TensorPrimitives.Subtract<T>(T.One, dx, dx);
            TensorPrimitives.Multiply<T>(dx, dy, dx);
        }
        else
        {
            for (int i = 0; i < dx.Length; i++) dx[i] = y[i] > T.Zero ? dy[i] : T.Zero;
        }
        return _inputGradient;
    }
}
