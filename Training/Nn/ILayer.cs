using System.Numerics;

namespace RealtimeDenoise.Training.Nn;

/// <summary>
/// A layer with an explicit backward pass. Buffers are batch-first [batch, features], owned by the layer
/// and reused across calls; Forward keeps what Backward needs. Backward accumulates parameter gradients
/// (callers zero them once per step) and returns the gradient with respect to the input.
/// </summary>
internal interface ILayer<T> where T : unmanaged, INumber<T>
{
    int Inputs { get; }
    int Outputs { get; }
    IReadOnlyList<Parameter<T>> Parameters { get; }
    T[] Forward(T[] input, int batch);
    /// <summary>Returns dL/dinput, or null when <paramref name="needInputGradient"/> is false.</summary>
    T[]? Backward(T[] outputGradient, int batch, bool needInputGradient);
}
