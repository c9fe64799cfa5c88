using System.Numerics.Tensors;

namespace RealtimeDenoise.Dsp;

/// <summary>
/// Per-bin noise floor by minimum statistics (Martin 2001): the minimum of the recursively smoothed frame power over
/// a sliding window, times a bias factor (the minimum of smoothed periodograms lies below their mean). Speech
/// pauses let the minimum fall to the noise, so the floor follows the noise and not the talker as long as the window
/// spans a pause. The window is kept as <c>subWindows</c> sub-window minima plus the running one, so a frame costs
/// O(bins) whatever the window's length; the window therefore covers the last
/// <c>subWindows · SubWindowFrames</c> frames plus those of the sub-window in progress. Allocation-free after construction.
/// </summary>
public sealed class MinimumStatistics
{
    private readonly int _bins, _subWindows;
    private readonly float _smoothing, _bias;
    private readonly float[] _smoothed, _minima, _current, _floor;
    private int _slot, _count;

    /// <param name="bins">Bins per frame.</param>
    /// <param name="windowFrames">Window length in frames (rounded to whole sub-windows).</param>
    /// <param name="subWindows">Sub-windows the window is kept as.</param>
    /// <param name="smoothing">Weight of the past in the recursive smoothing of the power (0: none).</param>
    /// <param name="bias">Factor the minimum is multiplied by.</param>
    public MinimumStatistics(int bins, float windowFrames, int subWindows, float smoothing, float bias)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bins, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(subWindows, 1);
        if (!(windowFrames >= 1)) throw new ArgumentOutOfRangeException(nameof(windowFrames), windowFrames, "The window must span at least one frame.");
        if (!(smoothing >= 0 && smoothing < 1)) throw new ArgumentOutOfRangeException(nameof(smoothing), smoothing, "Smoothing must lie in [0, 1).");
        if (!(bias > 0)) throw new ArgumentOutOfRangeException(nameof(bias), bias, "The bias factor must be positive.");
        _bins = bins;
        _subWindows = subWindows;
        _smoothing = smoothing;
        _bias = bias;
        SubWindowFrames = Math.Max(1, (int)MathF.Round(windowFrames / subWindows));
        _smoothed = new float[bins];
        _minima = new float[subWindows * bins];
        _current = new float[bins];
        _floor = new float[bins];
        Reset();
    }

    /// <summary>Frames per sub-window.</summary>
    public int SubWindowFrames { get; }

    /// <summary>Frames of the complete sub-windows: once more frames than this were seen, the window is full.</summary>
    public int WindowFrames => _subWindows * SubWindowFrames;

    /// <summary>Frames pushed since the last reset (saturates at <see cref="int.MaxValue"/>).</summary>
    public int FramesSeen { get; private set; }

    /// <summary>The floor after the last <see cref="Push"/>: bias times the windowed minimum of the smoothed power.</summary>
    public ReadOnlySpan<float> Floor => _floor;

    public void Reset()
    {
        FramesSeen = 0;
        _slot = 0;
        _count = 0;
        Array.Clear(_smoothed);
        Array.Fill(_minima, float.PositiveInfinity);
        Array.Fill(_current, float.PositiveInfinity);
        Array.Clear(_floor);
    }

    /// <summary>Takes one frame's power per bin and updates <see cref="Floor"/>.</summary>
    public void Push(ReadOnlySpan<float> power)
    {
        if (power.Length != _bins) throw new ArgumentException($"Expected {_bins} bins, got {power.Length}.", nameof(power));
        if (FramesSeen < int.MaxValue) FramesSeen++;
        if (FramesSeen == 1) power.CopyTo(_smoothed);
        else
        {
            TensorPrimitives.Multiply(_smoothed, _smoothing, _smoothed);
            TensorPrimitives.MultiplyAdd(power, 1 - _smoothing, _smoothed, _smoothed);
        }
        TensorPrimitives.Min(_current, _smoothed, _current);
        if (++_count >= SubWindowFrames)
        {
            _current.CopyTo(_minima.AsSpan(_slot * _bins, _bins));
            _slot = (_slot + 1) % _subWindows;
            Array.Fill(_current, float.PositiveInfinity);
            _count = 0;
        }
        _smoothed.CopyTo(_floor);
        for (int i = 0; i < _subWindows; i++)
            TensorPrimitives.Min(_floor, _minima.AsSpan(i * _bins, _bins), _floor);
        if (_count > 0) TensorPrimitives.Min(_floor, _current, _floor);
        TensorPrimitives.Multiply(_floor, _bias, _floor);
    }
}
