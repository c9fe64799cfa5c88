using System.Numerics;
using System.Numerics.Tensors;

namespace RealtimeDenoise.Training.Nn;

/// <summary>y = x·Wᵀ + b with W row-major [Outputs, Inputs], the layout of <see cref="Models.DenseLayer"/>.</summary>
internal sealed class Linear<T> : ILayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly int _threads;
    private readonly T[] _weightT; // Wᵀ [Inputs, Outputs], refreshed each forward
    private T[]? _input, _output, _inputGradient;

    public Linear(string name, int inputs, int outputs, int threads)
    {
        Inputs = inputs;
        Outputs = outputs;
        _threads = threads;
        Weight = new Parameter<T>(name + ".weight", outputs * inputs);
        Bias = new Parameter<T>(name + ".bias", outputs);
        Parameters = [Weight, Bias];
        _weightT = new T[inputs * outputs];
    }

    public int Inputs { get; }
    public int Outputs { get; }
    public Parameter<T> Weight { get; }
    public Parameter<T> Bias { get; }
    public IReadOnlyList<Parameter<T>> Parameters { get; }

    /// <summary>Backward passes gradients through to the input but leaves the weight and bias gradients untouched.</summary>
    public bool Frozen { get; set; }

    public T[] Forward(T[] input, int batch)
    {
        _input = input;
        var output = BatchBuffer.Ensure(ref _output, batch, Outputs);
        Gemm.Transpose(Weight.Value, _weightT, Outputs, Inputs);
        Gemm.MultiplyNN(input, _weightT, output, batch, Inputs, Outputs, accumulate: false, _threads);
        for (int r = 0; r < batch; r++)
        {
            var row = output.AsSpan(r * Outputs, Outputs);
            TensorPrimitives.Add<T>(row, Bias.Value, row);
        }
        return output;
    }

    public T[]? Backward(T[] outputGradient, int batch, bool needInputGradient)
    {
        var input = _input ?? throw new InvalidOperationException("Backward before Forward.");
        if (!Frozen)
        {
            // dW += dYᵀ·X, db += Σ_rows dY (rows summed in order: deterministic).
            Gemm.MultiplyTN(outputGradient, input, Weight.Gradient, Outputs, batch, Inputs, accumulate: true, _threads);
            for (int r = 0; r < batch; r++)
                TensorPrimitives.Add<T>(Bias.Gradient, outputGradient.AsSpan(r * Outputs, Outputs), Bias.Gradient);
        }
        if (!needInputGradient) return null;
        var inputGradient = BatchBuffer.Ensure(ref _inputGradient, batch, Inputs);
        Gemm.MultiplyNN(outputGradient, Weight.Value, inputGradient, batch, Outputs, Inputs, accumulate: false, _threads);
        return inputGradient;
    }
}
