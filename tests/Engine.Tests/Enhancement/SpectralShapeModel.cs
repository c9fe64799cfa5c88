using RealtimeDenoise.Models;

namespace RealtimeDenoise.Engine.Tests.Enhancement;

/// <summary>
/// A tiny stand-in speech prior for tests that must not depend on a trained model: log σ²_f(z) =
/// base_f + z₀ + ½·z₁·tilt_f, a low-pass "speech-like" spectral shape whose level and tilt the latent
/// controls. The encoder returns the level that fits the frame (z₀) and no tilt. Allocation-free.
/// </summary>
internal sealed class SpectralShapeModel : IVarianceModel
{
    private readonly float[] _base, _tilt;

    public SpectralShapeModel(int fftSize = 512, int latentDim = 4)
    {
        Card = new ModelCard { FftSize = fftSize, HopSize = fftSize / 4, Bins = fftSize / 2 + 1, LatentDim = latentDim, LogVarianceRange = [-30f, 10f] };
        Bins = fftSize / 2 + 1;
        LatentDim = latentDim;
        _base = new float[Bins];
        _tilt = new float[Bins];
        for (int f = 0; f < Bins; f++)
        {
            float x = (float)f / (Bins - 1);
            _base[f] = -6f * x;             // ≈ −26 dB across the band, like speech
            _tilt[f] = 2f * x - 1f;
        }
    }

    public ModelCard Card { get; }
    public int Bins { get; }
    public int LatentDim { get; }
    public int DecodeCalls { get; private set; }

    public void Encode(ReadOnlySpan<float> power, int frames, Span<float> mu, Span<float> logVar)
    {
        for (int n = 0; n < frames; n++)
        {
            double s = 0;
            for (int f = 0; f < Bins; f++) s += power[n * Bins + f] / MathF.Exp(_base[f]);
            var m = mu.Slice(n * LatentDim, LatentDim);
            m.Clear();
            m[0] = (float)Math.Clamp(Math.Log(s / Bins + 1e-12), -20, 20);
            logVar.Slice(n * LatentDim, LatentDim).Fill(-2f);
        }
    }

    public void Decode(ReadOnlySpan<float> z, int count, Span<float> logVariance)
    {
        DecodeCalls++;
        for (int n = 0; n < count; n++)
        {
            float level = z[n * LatentDim], tilt = LatentDim > 1 ? z[n * LatentDim + 1] : 0f;
            for (int f = 0; f < Bins; f++) logVariance[n * Bins + f] = _base[f] + level + 0.5f * tilt * _tilt[f];
        }
    }

    public void Dispose() { }
}
