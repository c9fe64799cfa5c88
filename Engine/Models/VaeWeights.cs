namespace RealtimeDenoise.Models;

public enum Activation { Identity, Tanh, Relu }

/// <summary>y = act(W x + b) with W stored row-major as [Outputs, Inputs] (ONNX Gemm with transB = 1).</summary>
public sealed class DenseLayer
{
    public DenseLayer(int inputs, int outputs, Activation activation, float[]? weight = null, float[]? bias = null)
    {
        if (inputs <= 0 || outputs <= 0) throw new ArgumentOutOfRangeException(nameof(inputs), $"Invalid layer shape {inputs}→{outputs}.");
        Inputs = inputs;
        Outputs = outputs;
        Activation = activation;
        Weight = weight ?? new float[outputs * inputs];
        Bias = bias ?? new float[outputs];
        if (Weight.Length != outputs * inputs) throw new ArgumentException($"Weight has {Weight.Length} values, expected {outputs}×{inputs}.");
        if (Bias.Length != outputs) throw new ArgumentException($"Bias has {Bias.Length} values, expected {outputs}.");
    }

    public int Inputs { get; }
    public int Outputs { get; }
    public Activation Activation { get; }
    public float[] Weight { get; }
    public float[] Bias { get; }
}

/// <summary>
/// How the encoder sees a power frame: feature_f = (log(p_f + Epsilon) − Mean_f) / Std_f when
/// <see cref="Log"/> is set, else (p_f − Mean_f) / Std_f. Mean/Std may be null (0 and 1).
/// The exported encoder.onnx contains these steps, so it takes raw power.
/// </summary>
public sealed record EncoderInputTransform(bool Log, float Epsilon, float[]? Mean, float[]? Std);

/// <summary>All weights of the VAE: what the trainer produces, the exporter writes and the managed backend runs.</summary>
public sealed class VaeWeights
{
    public required EncoderInputTransform Input { get; init; }
    /// <summary>Hidden layers of the encoder, F → H → … → H.</summary>
    public required DenseLayer[] EncoderHidden { get; init; }
    /// <summary>H → L, identity activation.</summary>
    public required DenseLayer EncoderMu { get; init; }
    /// <summary>H → L, identity activation.</summary>
    public required DenseLayer EncoderLogVar { get; init; }
    /// <summary>L → H → … → F; the last layer has identity activation and outputs log σ².</summary>
    public required DenseLayer[] Decoder { get; init; }

    public int Bins => EncoderHidden.Length > 0 ? EncoderHidden[0].Inputs : EncoderMu.Inputs;
    public int LatentDim => EncoderMu.Outputs;

    /// <summary>
    /// Random weights (Glorot-uniform, zero biases) with the given layer widths: a training start and a
    /// stand-in for benchmarks. Deterministic for a given <paramref name="seed"/>.
    /// </summary>
    public static VaeWeights CreateRandom(int bins, int latentDim, int[] encoderHidden, int[] decoderHidden, Activation activation, int seed, EncoderInputTransform? input = null)
    {
        var rng = new Random(seed);
        DenseLayer Layer(int inputs, int outputs, Activation a)
        {
            float limit = MathF.Sqrt(6f / (inputs + outputs));
            var w = new float[inputs * outputs];
            for (int i = 0; i < w.Length; i++) w[i] = (float)(rng.NextDouble() * 2 - 1) * limit;
            return new DenseLayer(inputs, outputs, a, w);
        }
        var encoder = new List<DenseLayer>();
        int width = bins;
        foreach (int h in encoderHidden) { encoder.Add(Layer(width, h, activation)); width = h; }
        var mu = Layer(width, latentDim, Activation.Identity);
        var logVar = Layer(width, latentDim, Activation.Identity);
        var decoder = new List<DenseLayer>();
        width = latentDim;
        foreach (int h in decoderHidden) { decoder.Add(Layer(width, h, activation)); width = h; }
        decoder.Add(Layer(width, bins, Activation.Identity));
        return new VaeWeights
        {
            Input = input ?? new EncoderInputTransform(Log: true, Epsilon: 1e-10f, Mean: null, Std: null),
            EncoderHidden = [.. encoder],
            EncoderMu = mu,
            EncoderLogVar = logVar,
            Decoder = [.. decoder],
        };
    }
}
