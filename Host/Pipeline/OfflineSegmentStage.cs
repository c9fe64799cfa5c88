using RealtimeDenoise.Enhancement;

namespace RealtimeDenoise.Host.Pipeline;

/// <summary>
/// Runs the whole-buffer <see cref="IEnhancer"/> on a long channel in bounded memory: windows of
/// <c>segment + overlap</c> samples that start every <c>segment</c> samples; where two windows overlap,
/// the outputs are cross-faded linearly, so there is no seam. Memory: two windows per channel.
/// </summary>
public sealed class OfflineSegmentStage : MonoStage
{
    private readonly IEnhancer _enhancer;
    private readonly int _segment, _overlap;
    private readonly float[] _window;
    private int _filled;
    private float[]? _previousTail;
    private readonly CancellationToken _token;

    public OfflineSegmentStage(IEnhancer enhancer, int segmentSamples, int overlapSamples, ISampleSink next, CancellationToken token = default) : base(next)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(segmentSamples, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(overlapSamples);
        if (overlapSamples > segmentSamples) throw new ArgumentException("overlap must not exceed the segment");
        _enhancer = enhancer;
        _segment = segmentSamples;
        _overlap = overlapSamples;
        _window = new float[segmentSamples + overlapSamples];
        _token = token;
    }

    public override void Push(ReadOnlySpan<float> samples)
    {
        while (!samples.IsEmpty)
        {
            int n = Math.Min(samples.Length, _window.Length - _filled);
            samples[..n].CopyTo(_window.AsSpan(_filled));
            _filled += n;
            samples = samples[n..];
            if (_filled == _window.Length)
            {
                Enhance(_window, final: false);
                // The next window starts `segment` samples later: keep the overlap part of this input.
                Array.Copy(_window, _segment, _window, 0, _overlap);
                _filled = _overlap;
            }
        }
    }

    public override void Finish()
    {
        if (_filled > 0 || _previousTail is not null)
        {
            if (_filled > 0) Enhance(_window.AsSpan(0, _filled).ToArray(), final: true);
            else Next.Push(_previousTail); // unreachable in practice: a full window always leaves input behind
        }
        Next.Finish();
    }

    private void Enhance(float[] input, bool final)
    {
        _token.ThrowIfCancellationRequested();
        float[] output = _enhancer.Enhance(input, cancellationToken: _token);
        if (output.Length != input.Length)
            throw new InvalidOperationException($"the enhancer returned {output.Length} samples for {input.Length}");
        if (_previousTail is not null)
        {
            int fade = Math.Min(_previousTail.Length, output.Length);
            for (int i = 0; i < fade; i++)
            {
                float w = (i + 0.5f) / _previousTail.Length;
                output[i] = (1 - w) * _previousTail[i] + w * output[i];
            }
        }
        if (final)
        {
            Next.Push(output);
            _previousTail = null;
            return;
        }
        Next.Push(output.AsSpan(0, _segment));
        _previousTail = output.AsSpan(_segment, _overlap).ToArray();
    }
}
