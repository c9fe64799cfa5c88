using System.Numerics.Tensors;

namespace RealtimeDenoise.Enhancement;

/// <summary>
/// The <see cref="MaskRefiner"/>'s input for each time-frequency bin, from a segment's <see cref="OfflineMaskStages"/>.
/// Seven maps: the logs of the EM's mask, of the forward and backward passes' masks (m_bwd = m_passes²/m_fwd), of the
/// final mask and of the transient gain (each clipped to [10⁻³, 1]); the bin's SNR against the passes' noise,
/// clip(ln p − ln v, −10, 15)/5; and its level against the segment's loud frames, clip(ln p − r, −30, 5)/10, with r the
/// 95th percentile of the frames' log energy. Each map is read at the bin and at ±1, ±2, ±4 frames and bins (edges
/// clamped), then come the bin's position f/(F−1) and its square and the frame means of the four mask maps:
/// 7·13 + 2 + 4 = 97 inputs. Buffers grow to the largest segment seen and are reused. Not thread-safe.
/// </summary>
public sealed class MaskRefinerFeatures
{
    /// <summary>Mask values are clipped to [Floor, 1] before their logs are taken.</summary>
    public const float Floor = 1e-3f;

    /// <summary>(frame, bin) offsets read around each bin after the bin itself.</summary>
    private static readonly (int Frame, int Bin)[] Context =
        [(-2, 0), (-1, 0), (1, 0), (2, 0), (0, -1), (0, 1), (0, -2), (0, 2), (-4, 0), (4, 0), (0, -4), (0, 4)];

    private const int Maps = 7, MaskMaps = 4;

    /// <summary>Inputs per bin.</summary>
    public const int Count = Maps * 13 + 2 + MaskMaps;

    private float[][] _maps = [.. Enumerable.Range(0, Maps).Select(_ => Array.Empty<float>())];
    private float[] _frameMeans = [], _frameLog = [];
    private int _frames, _bins;

    public int Frames => _frames;
    public int Bins => _bins;

    /// <summary>Computes the maps of a segment; <see cref="WriteFrame"/> and <see cref="WriteBin"/> then read them.</summary>
    public void Prepare(OfflineMaskStages stages)
    {
        ArgumentNullException.ThrowIfNull(stages);
        int frames = stages.Frames, bins = stages.Bins, n = frames * bins;
        foreach (var a in new[] { stages.Power, stages.EmMask, stages.ForwardMask, stages.PassesMask, stages.PassesNoise, stages.TransientGain, stages.FinalMask })
            if (a.Length < n) throw new ArgumentException($"A stage holds {a.Length} values; the segment has {frames}×{bins}.", nameof(stages));
        _frames = frames;
        _bins = bins;
        for (int k = 0; k < Maps; k++)
            if (_maps[k].Length < n) _maps[k] = new float[n];
        if (_frameLog.Length < frames) _frameLog = new float[frames];
        if (_frameMeans.Length < MaskMaps * frames) _frameMeans = new float[MaskMaps * frames];

        var power = stages.Power;
        for (int t = 0; t < frames; t++)
        {
            double sum = 0;
            for (int f = 0; f < bins; f++) sum += power[t * bins + f] + 1e-12;
            _frameLog[t] = (float)Math.Log(sum + 1e-9);
        }
        float reference = Percentile(_frameLog.AsSpan(0, frames), 0.95);
        for (int i = 0; i < n; i++)
        {
            float forward = Clip(stages.ForwardMask[i]), passes = Clip(stages.PassesMask[i]);
            _maps[0][i] = LogMask(stages.EmMask[i]);
            _maps[1][i] = MathF.Log(forward);
            _maps[2][i] = LogMask(passes * passes / forward); // the backward pass's mask
            _maps[3][i] = LogMask(stages.FinalMask[i]);
            _maps[4][i] = LogMask(stages.TransientGain[i]);
            float logPower = MathF.Log(power[i] + 1e-12f);
            _maps[5][i] = Math.Clamp(logPower - MathF.Log(stages.PassesNoise[i] + 1e-12f), -10f, 15f) / 5f;
            _maps[6][i] = Math.Clamp(logPower - reference, -30f, 5f) / 10f;
        }
        for (int k = 0; k < MaskMaps; k++)
            for (int t = 0; t < frames; t++)
                _frameMeans[k * frames + t] = TensorPrimitives.Sum(_maps[k].AsSpan(t * bins, bins)) / bins;
    }

    /// <summary>clip(m, <see cref="Floor"/>, 1); NaN goes to the floor.</summary>
    internal static float Clip(float m) => m >= Floor ? MathF.Min(m, 1f) : Floor;

    internal static float LogMask(float m) => MathF.Log(Clip(m));

    /// <summary>The inputs of every bin of frame <paramref name="frame"/>, row-major [Bins, <see cref="Count"/>].</summary>
    public void WriteFrame(int frame, Span<float> rows)
    {
        if (rows.Length < _bins * Count) throw new ArgumentException("The rows are too short for a frame.", nameof(rows));
        for (int f = 0; f < _bins; f++) WriteBin(frame, f, rows.Slice(f * Count, Count));
    }

    /// <summary>The inputs of bin <paramref name="bin"/> of frame <paramref name="frame"/>.</summary>
    public void WriteBin(int frame, int bin, Span<float> row)
    {
        if ((uint)frame >= (uint)_frames || (uint)bin >= (uint)_bins) throw new ArgumentOutOfRangeException(nameof(frame), $"({frame}, {bin}) is outside the prepared {_frames}×{_bins}.");
        if (row.Length < Count) throw new ArgumentException("The row is too short.", nameof(row));
        int j = 0;
        for (int k = 0; k < Maps; k++)
        {
            var map = _maps[k];
            row[j++] = map[frame * _bins + bin];
            foreach (var (dt, df) in Context)
                row[j++] = map[Math.Clamp(frame + dt, 0, _frames - 1) * _bins + Math.Clamp(bin + df, 0, _bins - 1)];
        }
        float position = _bins > 1 ? bin / (float)(_bins - 1) : 0f;
        row[j++] = position;
        row[j++] = position * position;
        for (int k = 0; k < MaskMaps; k++) row[j++] = _frameMeans[k * _frames + frame];
    }

    /// <summary>The <paramref name="q"/>-quantile with linear interpolation between order statistics (numpy's default).</summary>
    internal static float Percentile(ReadOnlySpan<float> values, double q)
    {
        if (values.IsEmpty) return 0f;
        var sorted = values.ToArray();
        Array.Sort(sorted);
        double position = q * (sorted.Length - 1);
        int lo = (int)Math.Floor(position), hi = Math.Min(lo + 1, sorted.Length - 1);
        return (float)(sorted[lo] + (position - lo) * (sorted[hi] - sorted[lo]));
    }
}
