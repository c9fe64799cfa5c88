using RealtimeDenoise.Audio;

namespace RealtimeDenoise.Host.Pipeline;

/// <summary>
/// Streaming resampling with the filter delay removed, for files. The streaming <see cref="Resampler"/>
/// delays by D input samples, which is a whole number of output samples only when D is a multiple of
/// M (rate ratio L/M in lowest terms); so Z leading zeros make the delay D + Z such a multiple, and the
/// first (D + Z)·L/M outputs are dropped. At the end, zeros are fed until round(n·L/M) samples came out,
/// the length <see cref="Resampler.ResampleAligned"/> gives for the whole signal.
/// </summary>
public sealed class AlignedResampleStage : MonoStage
{
    private readonly Resampler _resampler;
    private readonly float[] _scratch;
    private readonly float[] _zeros = new float[4096];
    private const int Chunk = 4096;
    private long _toDrop;
    private long _inputCount, _emitted;
    private bool _started;
    private readonly int _leadingZeros;

    public AlignedResampleStage(int fromRate, int toRate, ISampleSink next) : base(next)
    {
        _resampler = new Resampler(fromRate, toRate);
        _scratch = new float[_resampler.MaxOutputLength(Chunk)];
        int m = _resampler.DownFactor, d = _resampler.DelayInputSamples;
        _leadingZeros = _resampler.IsIdentity ? 0 : (m - d % m) % m;
        _toDrop = _resampler.IsIdentity ? 0 : (long)(d + _leadingZeros) / m * _resampler.UpFactor;
    }

    public long ExpectedOutput(long inputCount) =>
        (inputCount * _resampler.UpFactor * 2 + _resampler.DownFactor) / (2L * _resampler.DownFactor);

    public override void Push(ReadOnlySpan<float> samples)
    {
        if (!_started)
        {
            _started = true;
            Feed(_zeros.AsSpan(0, _leadingZeros), limit: long.MaxValue);
        }
        _inputCount += samples.Length;
        Feed(samples, long.MaxValue);
    }

    public override void Finish()
    {
        if (!_started) { _started = true; Feed(_zeros.AsSpan(0, _leadingZeros), long.MaxValue); }
        long wanted = ExpectedOutput(_inputCount);
        while (_emitted < wanted) Feed(_zeros.AsSpan(0, 256), wanted);
        Next.Finish();
    }

    private void Feed(ReadOnlySpan<float> samples, long limit)
    {
        while (!samples.IsEmpty)
        {
            var block = samples[..Math.Min(Chunk, samples.Length)];
            samples = samples[block.Length..];
            int n = _resampler.Process(block, _scratch);
            var produced = _scratch.AsSpan(0, n);
            if (_toDrop > 0)
            {
                int drop = (int)Math.Min(_toDrop, n);
                _toDrop -= drop;
                produced = produced[drop..];
            }
            if (_emitted + produced.Length > limit) produced = produced[..(int)(limit - _emitted)];
            _emitted += produced.Length;
            if (!produced.IsEmpty) Next.Push(produced);
        }
    }
}
