using RealtimeDenoise.Enhancement;

namespace RealtimeDenoise.Host.Pipeline;

/// <summary>
/// Runs the whole-buffer <see cref="IEnhancer"/> on a long channel in bounded memory: windows of
/// <c>segment + overlap</c> samples that start every <c>segment</c> samples; where two windows overlap,
/// the outputs are cross-faded linearly, so there is no seam. Windows are enhanced independently, so with
/// several enhancers (each with its own model) that many windows are enhanced at once, each on a thread
/// of its own, and their outputs are emitted in order: the result is the same as with one. Memory: a window (input
/// and output) per enhancer, plus the one being filled.
/// </summary>
public sealed class OfflineSegmentStage : MonoStage, IDisposable
{
    private readonly IEnhancer[] _enhancers;
    private readonly Queue<int> _idle = new();
    private readonly Queue<(Task<float[]> Output, int Enhancer, int Length, bool Final)> _inFlight = new();
    private readonly int _segment, _overlap;
    private readonly float[] _window;
    private int _filled;
    private float[]? _previousTail;
    private readonly CancellationToken _token;

    public OfflineSegmentStage(IEnhancer enhancer, int segmentSamples, int overlapSamples, ISampleSink next, CancellationToken token = default)
        : this([enhancer], segmentSamples, overlapSamples, next, token)
    {
    }

    public OfflineSegmentStage(IReadOnlyList<IEnhancer> enhancers, int segmentSamples, int overlapSamples, ISampleSink next, CancellationToken token = default) : base(next)
    {
        ArgumentOutOfRangeException.ThrowIfZero(enhancers.Count);
        ArgumentOutOfRangeException.ThrowIfLessThan(segmentSamples, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(overlapSamples);
        if (overlapSamples > segmentSamples) throw new ArgumentException("overlap must not exceed the segment");
        _enhancers = [.. enhancers];
        for (int i = 0; i < _enhancers.Length; i++) _idle.Enqueue(i);
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
                Submit(_window.AsSpan().ToArray(), final: false);
                // The next window starts `segment` samples later: keep the overlap part of this input.
                Array.Copy(_window, _segment, _window, 0, _overlap);
                _filled = _overlap;
            }
        }
    }

    public override void Finish()
    {
        if (_filled > 0) Submit(_window.AsSpan(0, _filled).ToArray(), final: true);
        while (_inFlight.Count > 0) EmitOldest();
        // Only without overlap can the input end where a window ends; that window's tail is then empty.
        if (_previousTail is not null) Next.Push(_previousTail);
        _previousTail = null;
        Next.Finish();
    }

    /// <summary>Waits for the windows still being enhanced (after a failure elsewhere), so no enhancer is in use once this returns.</summary>
    public void Dispose()
    {
        foreach (var (output, _, _, _) in _inFlight)
        {
            try { output.Wait(); }
            catch (AggregateException) { } // the failure that matters has been reported already
        }
        _inFlight.Clear();
    }

    private void Submit(float[] input, bool final)
    {
        _token.ThrowIfCancellationRequested();
        if (_idle.Count == 0) EmitOldest();
        int e = _idle.Dequeue();
        var enhancer = _enhancers[e];
        // One enhancer works where the caller is; several work on threads of their own (a window takes seconds, and
        // the thread pool, with the caller blocked waiting for the oldest window, would start them one at a time).
        var output = _enhancers.Length == 1
            ? Task.FromResult(enhancer.Enhance(input, cancellationToken: _token))
            : Task.Factory.StartNew(() => enhancer.Enhance(input, cancellationToken: _token), _token, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        _inFlight.Enqueue((output, e, input.Length, final));
        if (_enhancers.Length == 1) EmitOldest();
    }

    private void EmitOldest()
    {
        var (task, e, length, final) = _inFlight.Peek();
        float[] output;
        try { output = task.GetAwaiter().GetResult(); }
        catch
        {
            Dispose();
            throw;
        }
        _inFlight.Dequeue();
        _idle.Enqueue(e);
        if (output.Length != length)
            throw new InvalidOperationException($"the enhancer returned {output.Length} samples for {length}");
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
