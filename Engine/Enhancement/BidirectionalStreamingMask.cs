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
    private readonly VaeNmfFrameProcessor? _companion;
    private readonly CompanionMix? _mix;
    private readonly float[] _discardReal, _discardImag, _mixed;

    /// <param name="model">The speech model.</param>
    /// <param name="options">The passes' settings.</param>
    /// <param name="companion">A second speech model mixed in at low SNR as in the live enhancer (<see cref="CompanionMix"/>); null: none.</param>
    public BidirectionalStreamingMask(IVarianceModel model, StreamingOptions options, IVarianceModel? companion = null)
    {
        if (options.LookaheadFrames != 0)
            throw new ArgumentException("The offline streaming passes take no lookahead (the whole segment is known).", nameof(options));
        _processor = new VaeNmfFrameProcessor(model, options);
        _discardReal = new float[model.Bins];
        _discardImag = new float[model.Bins];
        _mixed = new float[model.Bins];
        if (companion != null && options.CompanionWeight > 0)
        {
            _companion = new VaeNmfFrameProcessor(companion, options);
            _mix = new CompanionMix(_processor, _companion, model.Bins, model.Card.HopSize, model.Card.SampleRate, options.CompanionWeight);
        }
    }

    /// <summary>Runs frame <paramref name="n"/> through the processor (or the mix) and returns its mask.</summary>
    private ReadOnlySpan<float> Mask(Spectrogram spec, int n)
    {
        if (_mix is null)
        {
            _processor.ProcessFrame(spec.RealFrame(n), spec.ImagFrame(n), _discardReal, _discardImag);
            return _processor.LastMask;
        }
        _mix.ProcessFrame(spec.RealFrame(n), spec.ImagFrame(n), _discardReal, _discardImag);
        // The mix of the two outputs is the mix of the two masks, m_a + w·(m_b − m_a): both filter the same frame.
        TensorPrimitives.Subtract(_companion!.LastMask, _processor.LastMask, _mixed);
        TensorPrimitives.MultiplyAdd(_mixed, _mix.LastWeights, _processor.LastMask, _mixed);
        return _mixed;
    }

    /// <summary>
    /// Writes √(m_fwd·m_bwd) for every frame of <paramref name="spec"/> into <paramref name="mask"/> (frame-major) and,
    /// when <paramref name="noise"/> is not empty, the two passes' noise powers combined the same way, √(v_fwd·v_bwd);
    /// when <paramref name="forward"/> is not empty, m_fwd alone.
    /// </summary>
    public void Compute(Spectrogram spec, Span<float> mask, CancellationToken cancellationToken, Span<float> noise = default, Span<float> forward = default)
    {
        int bins = spec.Bins;
        Reset();
        for (int n = 0; n < spec.Frames; n++)
        {
            if ((n & 1023) == 0) cancellationToken.ThrowIfCancellationRequested();
            Mask(spec, n).CopyTo(mask.Slice(n * bins, bins));
            if (!noise.IsEmpty) _processor.LastNoiseVariance.CopyTo(noise.Slice(n * bins, bins));
        }
        if (!forward.IsEmpty) mask[..(spec.Frames * bins)].CopyTo(forward);
        Reset();
        for (int n = spec.Frames - 1; n >= 0; n--)
        {
            if ((n & 1023) == 0) cancellationToken.ThrowIfCancellationRequested();
            var m = Mask(spec, n);
            var row = mask.Slice(n * bins, bins);
            TensorPrimitives.Multiply(row, m, row);
            TensorPrimitives.Sqrt(row, row);
            if (noise.IsEmpty) continue;
            row = noise.Slice(n * bins, bins);
            TensorPrimitives.Multiply(row, _processor.LastNoiseVariance, row);
            TensorPrimitives.Sqrt(row, row);
        }
    }

    private void Reset()
    {
        if (_mix is null) _processor.Reset();
        else _mix.Reset();
    }
}
