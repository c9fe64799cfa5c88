using System.Text.Json.Serialization;

namespace RealtimeDenoise.Enhancement;

/// <summary>The stored form of a <see cref="MaskRefiner"/>.</summary>
public sealed class MaskRefinerWeights
{
    [JsonPropertyName("format")] public string Format { get; set; } = MaskRefiner.Format;
    [JsonPropertyName("format_version")] public int FormatVersion { get; set; } = MaskRefiner.FormatVersion;
    /// <summary>How the weights were made (command, data, measured figures).</summary>
    [JsonPropertyName("description")] public string Description { get; set; } = "";
    [JsonPropertyName("input_mean")] public float[] InputMean { get; set; } = [];
    [JsonPropertyName("input_scale")] public float[] InputScale { get; set; } = [];
    /// <summary>Dense layers, ReLU between them, the last with one output.</summary>
    [JsonPropertyName("layers")] public List<MaskRefinerLayer> Layers { get; set; } = [];

    internal void Validate()
    {
        if (Format != MaskRefiner.Format) throw new ArgumentException($"format is '{Format}', expected '{MaskRefiner.Format}'.");
        if (FormatVersion != MaskRefiner.FormatVersion) throw new ArgumentException($"format_version {FormatVersion} is not supported (this build reads {MaskRefiner.FormatVersion}).");
        int inputs = MaskRefinerFeatures.Count;
        if (InputMean.Length != inputs || InputScale.Length != inputs)
            throw new ArgumentException($"input_mean and input_scale need {inputs} values (have {InputMean.Length} and {InputScale.Length}).");
        if (!InputMean.All(float.IsFinite) || !InputScale.All(s => s > 0 && float.IsFinite(s)))
            throw new ArgumentException("input_mean must be finite and input_scale finite and positive.");
        if (Layers.Count == 0) throw new ArgumentException("no layers.");
        for (int l = 0; l < Layers.Count; l++)
        {
            var layer = Layers[l];
            if (layer.Inputs != inputs) throw new ArgumentException($"layer {l} takes {layer.Inputs} inputs; the one before gives {inputs}.");
            if (layer.Outputs < 1 || layer.Weight.Length != layer.Outputs * layer.Inputs || layer.Bias.Length != layer.Outputs)
                throw new ArgumentException($"layer {l}: weight must be {layer.Outputs}×{layer.Inputs} and bias {layer.Outputs} long.");
            if (!layer.Weight.All(float.IsFinite) || !layer.Bias.All(float.IsFinite)) throw new ArgumentException($"layer {l} holds non-finite values.");
            inputs = layer.Outputs;
        }
        if (inputs != 1) throw new ArgumentException($"the last layer must have one output (has {inputs}).");
    }
}

/// <summary>y = W·x + b, W row-major [Outputs, Inputs].</summary>
public sealed class MaskRefinerLayer
{
    [JsonPropertyName("inputs")] public int Inputs { get; set; }
    [JsonPropertyName("outputs")] public int Outputs { get; set; }
    [JsonPropertyName("weight")] public float[] Weight { get; set; } = [];
    [JsonPropertyName("bias")] public float[] Bias { get; set; } = [];
}
