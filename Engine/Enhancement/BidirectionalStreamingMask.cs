using System.Numerics.Tensors;
using RealtimeDenoise.Dsp;
using RealtimeDenoise.Models;
using RealtimeDenoise.Streaming;

namespace RealtimeDenoise.Enhancement;

/// <summary>
/// The streaming enhancer's masks for a whole spectrogram, run once forwards and once backwards in time, combined
/// as √(m_fwd·m_bwd). Each pass's online noise model only knows the past of its own direction (and starts cold), so
/// the two passes err at different places; where the whole segment is known, both are available at no latency.
/// The offline enhancer blends this with the Monte-Carlo EM mask (<see cref="OfflineOptions.StreamingPassWeight"/>).
/// Buffers are reused between calls. Not thread-safe.
/// </summary>
internal sealed class BidirectionalStreamingMask
{
    private readonly VaeNmfFrameProcessor _processor;
    private readonly float[] _discardReal, _discardImag;

    public BidirectionalStreamingMask(IVarianceModel model, StreamingOptions options)
    {
        if (options.LookaheadFrames != 0)
            throw new ArgumentException("The offline streaming passes take no lookahead (the whole segment is known).", nameof(options));
        _processor = new VaeNmfFrameProcessor(model, options);
        _discardReal = new float[model.Bins];
        _discardImag = new float[model.Bins];
    }

    /// <summary>
    /// Writes √(m_fwd·m_bwd) for every frame of <paramref name="spec"/> into <paramref name="mask"/> (frame-major) and,
    /// when <paramref name="noise"/> is not empty, the two passes' noise powers combined the same way, √(v_fwd·v_bwd).
    /// </summary>
    public void Compute(Spectrogram spec, Span<float> mask, CancellationToken cancellationToken, Span<float> noise = default)
    {
        int bins = spec.Bins;
        _processor.Reset();
        for (int n = 0; n < spec.Frames; n++)
        {
            if ((n & 1023) == 0) cancellationToken.ThrowIfCancellationRequested();
            _processor.ProcessFrame(spec.RealFrame(n), spec.ImagFrame(n), _discardReal, _discardImag);
            _processor.LastMask.CopyTo(mask.Slice(n * bins, bins));
            if (!noise.IsEmpty) _processor.LastNoiseVariance.CopyTo(noise.Slice(n * bins, bins));
        }
        _processor.Reset();
        for (int n = spec.Frames - 1; n >= 0; n--)
        {
            if ((n & 1023) == 0) cancellationToken.ThrowIfCancellationRequested();
            _processor.ProcessFrame(spec.RealFrame(n), spec.ImagFrame(n), _discardReal, _discardImag);
            var row = mask.Slice(n * bins, bins);
            TensorPrimitives.Multiply(row, _processor.LastMask, row);
            TensorPrimitives.Sqrt(row, row);
            if (noise.IsEmpty) continue;
            row = noise.Slice(n * bins, bins);
            TensorPrimitives.Multiply(row, _processor.LastNoiseVariance, row);
            TensorPrimitives.Sqrt(row, row);
        }
    }
}
