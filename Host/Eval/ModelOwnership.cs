using RealtimeDenoise.Enhancement;
using RealtimeDenoise.Models;
using RealtimeDenoise.Streaming;

namespace RealtimeDenoise.Host.Eval;

/// <summary>An offline enhancer that owns the model (and companion, if any) it was built from, so disposing the enhancer releases them.</summary>
internal sealed class ModelOwningEnhancer : IEnhancer, IDisposable
{
    private readonly IVarianceModel _model;
    private readonly IVarianceModel? _companion;
    private readonly IEnhancer _inner;

    public ModelOwningEnhancer(IVarianceModel model, IVarianceModel? companion, Func<IVarianceModel, IVarianceModel?, IEnhancer> create)
    {
        _model = model;
        _companion = companion;
        try { _inner = create(model, companion); }
        catch
        {
            companion?.Dispose();
            model.Dispose();
            throw;
        }
    }

    public int SampleRate => _inner.SampleRate;

    public float[] Enhance(ReadOnlySpan<float> noisy, IProgress<double>? progress = null, CancellationToken cancellationToken = default) =>
        _inner.Enhance(noisy, progress, cancellationToken);

    public void Dispose()
    {
        (_inner as IDisposable)?.Dispose();
        _companion?.Dispose();
        _model.Dispose();
    }
}

/// <summary>A stream processor that owns the model (and the companion, if any) it was built from.</summary>
internal sealed class ModelOwningStreamProcessor(IVarianceModel model, IStreamProcessor inner, IVarianceModel? companion = null) : IStreamProcessor
{
    public int SampleRate => inner.SampleRate;
    public int LatencySamples => inner.LatencySamples;
    public bool Bypass { get => inner.Bypass; set => inner.Bypass = value; }
    public void Process(ReadOnlySpan<float> input, Span<float> output) => inner.Process(input, output);
    public void Reset() => inner.Reset();

    public void Dispose()
    {
        inner.Dispose();
        companion?.Dispose();
        model.Dispose();
    }
}
