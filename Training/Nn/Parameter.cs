using System.Numerics;

namespace RealtimeDenoise.Training.Nn;

/// <summary>A trainable tensor and its gradient, flat.</summary>
internal sealed class Parameter<T>(string name, int length) where T : unmanaged, INumber<T>
{
    public string Name { get; } = name;
    public T[] Value { get; } = new T[length];
    public T[] Gradient { get; } = new T[length];
    public int Length => Value.Length;
}
