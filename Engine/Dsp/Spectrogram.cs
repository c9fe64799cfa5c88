using System.Numerics.Tensors;

namespace RealtimeDenoise.Dsp;

/// <summary>
/// Complex STFT, frame-major: bin f of frame n is at index n·Bins + f, matching the batch-first
/// [N, F] layout the speech models take.
/// </summary>
public sealed class Spectrogram
{
    public Spectrogram(int frames, int bins)
    {
        if (frames < 0 || bins <= 0) throw new ArgumentOutOfRangeException(nameof(frames), $"Invalid spectrogram shape {frames}×{bins}.");
        Frames = frames;
        Bins = bins;
        Real = new float[(long)frames * bins];
        Imag = new float[(long)frames * bins];
    }

    public int Frames { get; }
    public int Bins { get; }
    public float[] Real { get; }
    public float[] Imag { get; }

    public Span<float> RealFrame(int n) => Real.AsSpan(n * Bins, Bins);
    public Span<float> ImagFrame(int n) => Imag.AsSpan(n * Bins, Bins);

    /// <summary>|X|² into <paramref name="destination"/> (length Frames·Bins).</summary>
    public void Power(Span<float> destination)
    {
        if (destination.Length < Real.Length) throw new ArgumentException("Destination is shorter than the spectrogram.");
        var d = destination[..Real.Length];
        TensorPrimitives.Multiply(Real, Real, d);
        TensorPrimitives.MultiplyAdd(Imag, Imag, d, d);
    }

    public float[] Power()
    {
        var p = new float[Real.Length];
        Power(p);
        return p;
    }
}
