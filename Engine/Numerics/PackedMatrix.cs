using System.Runtime.Intrinsics.X86;

namespace RealtimeDenoise.Numerics;

/// <summary>
/// A weight matrix W[outputs, inputs] stored twice for <see cref="Gemm"/>: as given (row-major, used for one to
/// three rows of X, where each weight is read once anyway) and transposed in panels of <see cref="PanelWidth"/>
/// outputs (panel p holds W[p·P + j, k] at [k·P + j]), which lets a batch kernel broadcast one X value against a
/// whole panel with no horizontal sums. The bias is padded to whole panels. Immutable once built.
/// </summary>
public sealed class PackedMatrix
{
    public PackedMatrix(float[] weight, float[]? bias, int outputs, int inputs)
    {
        ArgumentNullException.ThrowIfNull(weight);
        if (outputs <= 0 || inputs <= 0) throw new ArgumentOutOfRangeException(nameof(outputs), $"Invalid matrix shape {outputs}×{inputs}.");
        if (weight.Length != outputs * inputs) throw new ArgumentException($"Weight has {weight.Length} values, expected {outputs}×{inputs}.", nameof(weight));
        if (bias is not null && bias.Length != outputs) throw new ArgumentException($"Bias has {bias.Length} values, expected {outputs}.", nameof(bias));
        Outputs = outputs;
        Inputs = inputs;
        Weight = weight;
        Bias = bias ?? new float[outputs];
        PanelWidth = Avx512F.IsSupported ? 32 : 16;
        Panels = (outputs + PanelWidth - 1) / PanelWidth;
        Panel = new float[Panels * PanelWidth * inputs];
        PaddedBias = new float[Panels * PanelWidth];
        Repack();
    }

    /// <summary>Copies <see cref="Weight"/> and <see cref="Bias"/> into the packed form again (after they were changed in place). No allocation.</summary>
    public void Repack()
    {
        Bias.CopyTo(PaddedBias, 0);
        for (int o = 0; o < Outputs; o++)
        {
            int p = o / PanelWidth, j = o % PanelWidth;
            int baseIndex = p * PanelWidth * Inputs + j;
            for (int k = 0; k < Inputs; k++) Panel[baseIndex + k * PanelWidth] = Weight[o * Inputs + k];
        }
    }

    public int Outputs { get; }
    public int Inputs { get; }
    /// <summary>The original row-major [outputs, inputs] weights (shared, not copied).</summary>
    public float[] Weight { get; }
    public float[] Bias { get; }
    /// <summary>Outputs per panel: 32 with AVX-512 (two 16-float vectors), else 16.</summary>
    public int PanelWidth { get; }
    public int Panels { get; }
    internal float[] Panel { get; }
    internal float[] PaddedBias { get; }
}
