using System.Numerics.Tensors;
using RealtimeDenoise.Models;

namespace RealtimeDenoise.Enhancement;

/// <summary>
/// <see cref="IDecoderGradient"/> for the dense decoder of <see cref="VaeWeights"/> (L → H → … → F),
/// in managed code. Activations of the last forward batch are kept for the backward pass; buffers
/// grow to the largest batch seen and are then reused (no allocation per call at a fixed batch size).
/// </summary>
public sealed class DenseDecoderGradient : IDecoderGradient
{
    private readonly DenseLayer[] _layers;
    private float[][] _activations = [];   // [layer + 1][count × width]; index 0 is z
    private float[] _delta = [], _deltaPrevious = [];
    private int _capacity;

    public DenseDecoderGradient(VaeWeights weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        _layers = weights.Decoder;
        if (_layers.Length == 0) throw new ArgumentException("The decoder has no layers.", nameof(weights));
        for (int i = 1; i < _layers.Length; i++)
            if (_layers[i].Inputs != _layers[i - 1].Outputs)
                throw new ArgumentException($"Decoder layer {i} takes {_layers[i].Inputs} inputs but layer {i - 1} gives {_layers[i - 1].Outputs}.", nameof(weights));
    }

    public int Bins => _layers[^1].Outputs;
    public int LatentDim => _layers[0].Inputs;

    private void Ensure(int count)
    {
        if (count <= _capacity) return;
        _capacity = count;
        _activations = new float[_layers.Length + 1][];
        _activations[0] = new float[count * LatentDim];
        int widest = LatentDim;
        for (int i = 0; i < _layers.Length; i++)
        {
            _activations[i + 1] = new float[count * _layers[i].Outputs];
            widest = Math.Max(widest, _layers[i].Outputs);
        }
        _delta = new float[widest];
        _deltaPrevious = new float[widest];
    }

    public void Forward(ReadOnlySpan<float> z, int count, Span<float> logVariance)
    {
        Ensure(count);
        z[..(count * LatentDim)].CopyTo(_activations[0]);
        for (int i = 0; i < _layers.Length; i++)
        {
            var layer = _layers[i];
            int nIn = layer.Inputs, nOut = layer.Outputs;
            var input = _activations[i];
            var output = _activations[i + 1];
            for (int n = 0; n < count; n++)
            {
                var x = input.AsSpan(n * nIn, nIn);
                var y = output.AsSpan(n * nOut, nOut);
                for (int o = 0; o < nOut; o++) y[o] = TensorPrimitives.Dot(layer.Weight.AsSpan(o * nIn, nIn), x) + layer.Bias[o];
                switch (layer.Activation)
                {
                    case Activation.Tanh: TensorPrimitives.Tanh(y, y); break;
                    case Activation.Relu: TensorPrimitives.Max(y, 0f, y); break;
                }
            }
        }
        _activations[^1].AsSpan(0, count * Bins).CopyTo(logVariance);
    }

    public void Backward(ReadOnlySpan<float> gradLogVariance, int count, Span<float> gradZ)
    {
        if (count > _capacity) throw new InvalidOperationException("Backward needs a Forward of at least the same batch first.");
        for (int n = 0; n < count; n++)
        {
            var delta = _delta.AsSpan(0, Bins);
            gradLogVariance.Slice(n * Bins, Bins).CopyTo(delta);
            for (int i = _layers.Length - 1; i >= 0; i--)
            {
                var layer = _layers[i];
                int nIn = layer.Inputs, nOut = layer.Outputs;
                var y = _activations[i + 1].AsSpan(n * nOut, nOut);
                var d = _delta.AsSpan(0, nOut);
                // Through the activation: tanh' = 1 − y², relu' = [y > 0].
                switch (layer.Activation)
                {
                    case Activation.Tanh:
                        for (int o = 0; o < nOut; o++) d[o] *= 1f - y[o] * y[o];
                        break;
                    case Activation.Relu:
                        for (int o = 0; o < nOut; o++) if (y[o] <= 0f) d[o] = 0f;
                        break;
                }
                // Through the weights: δ_in = Wᵀ δ_out.
                var dIn = _deltaPrevious.AsSpan(0, nIn);
                dIn.Clear();
                for (int o = 0; o < nOut; o++)
                    if (d[o] != 0f) TensorPrimitives.MultiplyAdd(layer.Weight.AsSpan(o * nIn, nIn), d[o], dIn, dIn);
                dIn.CopyTo(_delta.AsSpan(0, nIn));
            }
            _delta.AsSpan(0, LatentDim).CopyTo(gradZ.Slice(n * LatentDim, LatentDim));
        }
    }
}
