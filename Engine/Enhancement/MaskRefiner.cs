using System.Numerics.Tensors;
using System.Text.Json;
using System.Text.Json.Serialization;
using RealtimeDenoise.Numerics;

namespace RealtimeDenoise.Enhancement;

/// <summary>
/// A small learnt correction of the offline enhancer's final mask: a per-bin network (97 inputs from the
/// <see cref="MaskRefinerFeatures"/>, two ReLU layers, one output o) moves the logit of the mask before the transient
/// gain, m = g·σ(logit(m_final/g) + o), g the transient gain. It learns where the model-based stages agree or disagree
/// with the clean speech in the mixtures it was trained on (speech-train × noise-train, Training's `train-refiner`),
/// which no hand-set blend of them captures. Inputs are standardised by the stored mean and scale, folded into the first
/// layer at load. The file is JSON (<see cref="FileName"/> in a model package). The network is copied at construction
/// (later changes to <see cref="Weights"/> do not reach it); each <see cref="Refine"/> call uses buffers of its own, so
/// one instance may serve several enhancers at once.
/// </summary>
public sealed class MaskRefiner
{
    public const string FileName = "mask-refiner.json";
    public const string Format = "rtdenoise-mask-refiner";
    public const int FormatVersion = 1;

    private readonly PackedMatrix[] _layers;
    private readonly int _widest;

    public MaskRefiner(MaskRefinerWeights weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        weights.Validate();
        Weights = weights;
        _layers = new PackedMatrix[weights.Layers.Count];
        for (int l = 0; l < _layers.Length; l++)
        {
            var layer = weights.Layers[l];
            var w = (float[])layer.Weight.Clone();
            var b = (float[])layer.Bias.Clone();
            if (l == 0)
            {
                // W·((x − μ)/s) + b = (W/s)·x + (b − (W/s)·μ)
                for (int o = 0; o < layer.Outputs; o++)
                {
                    var row = w.AsSpan(o * layer.Inputs, layer.Inputs);
                    TensorPrimitives.Divide(row, weights.InputScale, row);
                    b[o] -= TensorPrimitives.Dot(row, weights.InputMean);
                }
            }
            _layers[l] = new PackedMatrix(w, b, layer.Outputs, layer.Inputs);
            _widest = Math.Max(_widest, layer.Outputs);
        }
    }

    public MaskRefinerWeights Weights { get; }

    private static readonly Lazy<MaskRefiner?> EmbeddedDefault = new(() => Models.ModelPackage.HasEmbeddedDefault ? Models.ModelPackage.ReadMaskRefiner(null) : null);

    /// <summary>The refiner shipped with the embedded default model (trained on its masks); null when this build has none.</summary>
    public static MaskRefiner? Embedded => EmbeddedDefault.Value;

    /// <summary>
    /// The refined mask: m_final's logit before the transient gain g, moved by <paramref name="correction"/>, times g.
    /// A correction of 0 gives back the final mask (within the clipping to [10⁻³, 1 − 10⁻³] of m_final/g).
    /// </summary>
    public static float Combine(float final, float transient, float correction, out float sigmoid)
    {
        float g = MaskRefinerFeatures.Clip(transient);
        float m = Math.Clamp(MaskRefinerFeatures.Clip(final) / g, MaskRefinerFeatures.Floor, 1f - MaskRefinerFeatures.Floor);
        sigmoid = 1f / (1f + MathF.Exp(-(MathF.Log(m / (1f - m)) + correction)));
        return g * sigmoid;
    }

    /// <summary>The network's output o for <paramref name="rows"/> of raw inputs [count, 97] (the standardisation is folded in; scratch: 2·count·widest floats).</summary>
    public void Evaluate(ReadOnlySpan<float> rows, int count, Span<float> output, Span<float> scratch)
    {
        var a = scratch[..(count * _widest)];
        var b = scratch.Slice(count * _widest, count * _widest);
        var x = rows;
        for (int l = 0; l < _layers.Length; l++)
        {
            var layer = _layers[l];
            var y = l == _layers.Length - 1 ? output[..count] : (l % 2 == 0 ? a : b)[..(count * layer.Outputs)];
            Gemm.Forward(x, count, layer, y);
            if (l < _layers.Length - 1) TensorPrimitives.Max(y, 0f, y);
            x = y;
        }
    }

    /// <summary>
    /// Replaces <paramref name="mask"/> (frame-major, the stages' shape) with the refined final mask, clamped to
    /// [<paramref name="minGain"/>, 1]. Bins whose correction is not finite keep the final mask. <paramref name="mask"/> may be
    /// <see cref="OfflineMaskStages.FinalMask"/> itself: the maps are read first, and each bin's final value before it is written.
    /// Allocates the feature maps (about 11 floats per bin); offline use only.
    /// </summary>
    public void Refine(OfflineMaskStages stages, Span<float> mask, float minGain, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stages);
        int frames = stages.Frames, bins = stages.Bins;
        if (mask.Length < frames * bins) throw new ArgumentException("The mask is shorter than the segment.", nameof(mask));
        var features = new MaskRefinerFeatures();
        features.Prepare(stages);
        var rows = new float[bins * MaskRefinerFeatures.Count];
        var output = new float[bins];
        var scratch = new float[2 * bins * _widest];
        for (int n = 0; n < frames; n++)
        {
            if ((n & 255) == 0) cancellationToken.ThrowIfCancellationRequested();
            features.WriteFrame(n, rows);
            Evaluate(rows, bins, output, scratch);
            for (int f = 0; f < bins; f++)
            {
                int i = n * bins + f;
                float o = output[f];
                float m = float.IsFinite(o) ? Combine(stages.FinalMask[i], stages.TransientGain[i], o, out _) : stages.FinalMask[i];
                mask[i] = float.IsFinite(m) ? Math.Clamp(m, minGain, 1f) : minGain;
            }
        }
    }

    public static MaskRefiner FromJson(string json, string label)
    {
        MaskRefinerWeights? weights;
        try { weights = JsonSerializer.Deserialize<MaskRefinerWeights>(json); }
        catch (JsonException e) { throw new InvalidDataException($"{label}: not a mask refiner file ({e.Message}).", e); }
        if (weights is null) throw new InvalidDataException($"{label}: empty mask refiner file.");
        try { return new MaskRefiner(weights); }
        catch (ArgumentException e) { throw new InvalidDataException($"{label}: {e.Message}", e); }
    }

    public static MaskRefiner Load(string path)
    {
        string json;
        try { json = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new InvalidDataException($"{path}: cannot read ({e.Message}).", e); }
        return FromJson(json, path);
    }

    public string ToJson() => JsonSerializer.Serialize(Weights, new JsonSerializerOptions { WriteIndented = false });
}

