using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace RealtimeDenoise.Dsp;

/// <summary>
/// Block-size-independent STFT → <see cref="ISpectralProcessor"/> → overlap-add ISTFT for live audio.
/// Each <see cref="Process"/> call takes any number of samples and returns the same number, delayed by
/// exactly <see cref="LatencySamples"/> = n_fft − 1 + k·hop (k = the processor's lookahead frames).
/// The output equals <see cref="Stft.Process"/> on the same signal, shifted by that latency.
/// </summary>
/// <remarks>
/// Why n_fft − 1 and not n_fft − hop: the last frame covering a sample ends up to n_fft − 1 samples
/// after it, and a stream that must return one sample for every sample it receives (block size 1)
/// cannot emit it earlier. n_fft − hop is only reached by the last sample of a hop when blocks are hop-aligned;
/// a constant latency for every block size has to be the worst case, n_fft − 1.
/// All buffers are allocated in the constructor: <see cref="Process"/> does not allocate, lock or do I/O.
/// Not thread-safe.
/// </remarks>
public sealed class StreamingStft
{
    private readonly int _n, _hop, _lead;
    private readonly RealFft _fft;
    private readonly ISpectralProcessor? _processor;
    private readonly ISideChainSpectralProcessor? _sideChainProcessor; // with a side chain only
    private readonly IHopConditioner? _sideChain;
    private readonly float[] _analysisWindow, _synthesisWindow;
    private readonly float[] _input;     // newest n_fft input samples; the current hop fills [lead, n_fft)
    private readonly float[] _frame;     // windowed / inverse-transformed frame
    private readonly float[] _accum;     // overlap-add accumulator; [0, hop) is complete after each frame
    private readonly float[] _ready;     // the completed hop being played out
    private readonly float[] _inRe, _inIm, _outRe, _outIm;
    private readonly float[] _sideInput, _sideRe, _sideIm; // the side chain's newest n_fft samples and their frame
    private int _fill;                   // samples of the current hop received so far, 0..hop−1

    public StreamingStft(StftConfig config, ISpectralProcessor? processor = null) : this(config, processor, null, null) { }

    /// <summary>
    /// With a side chain: each completed hop of input is also passed through <paramref name="sideChain"/>, and the
    /// processor estimates from the frame of that conditioned input while it filters the frame of the input itself.
    /// Latency is unchanged; one more FFT per hop.
    /// </summary>
    public StreamingStft(StftConfig config, ISideChainSpectralProcessor processor, IHopConditioner sideChain)
        : this(config, processor ?? throw new ArgumentNullException(nameof(processor)), processor, sideChain ?? throw new ArgumentNullException(nameof(sideChain))) { }

    private StreamingStft(StftConfig config, ISpectralProcessor? processor, ISideChainSpectralProcessor? sideChainProcessor, IHopConditioner? sideChain)
    {
        config.Validate();
        Config = config;
        _n = config.FftSize;
        _hop = config.HopSize;
        _lead = _n - _hop;
        _processor = processor;
        _sideChainProcessor = sideChainProcessor;
        _sideChain = sideChain;
        LookaheadFrames = processor?.LookaheadFrames ?? 0;
        if (LookaheadFrames < 0)
            throw new ArgumentException($"Spectral processor lookahead must be ≥ 0 frames, got {LookaheadFrames}.", nameof(processor));
        _fft = new RealFft(_n);
        _analysisWindow = StftWindows.Analysis(_n);
        _synthesisWindow = StftWindows.Synthesis(_n, _hop);
        _input = new float[_n];
        _frame = new float[_n];
        _accum = new float[_n];
        _ready = new float[_hop];
        _inRe = new float[config.Bins];
        _inIm = new float[config.Bins];
        _outRe = new float[config.Bins];
        _outIm = new float[config.Bins];
        _sideInput = sideChain is null ? [] : new float[_n];
        _sideRe = sideChain is null ? [] : new float[config.Bins];
        _sideIm = sideChain is null ? [] : new float[config.Bins];
    }

    public StftConfig Config { get; }

    /// <summary>Lookahead of the processor in frames, fixed at construction.</summary>
    public int LookaheadFrames { get; }

    /// <summary>Output sample t is the processed input sample t − LatencySamples: n_fft − 1 + lookahead·hop.</summary>
    public int LatencySamples => Config.LatencySamples + LookaheadFrames * _hop;

    /// <summary>The frame processor, or null for identity (pure analysis/resynthesis).</summary>
    public ISpectralProcessor? Processor => _processor;

    /// <summary>
    /// Processes input.Length samples into output (same length). In-place use (input and output the same memory)
    /// is allowed: each input chunk is consumed before its output is written. Other partial overlaps are not.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0 code in a live stream's first seconds
    public void Process(ReadOnlySpan<float> input, Span<float> output)
    {
        if (output.Length != input.Length)
            throw new ArgumentException($"Output length {output.Length} ≠ input length {input.Length}.", nameof(output));
        int done = 0;
        if (input.Length == 1 && _fill + 1 < _hop)
        {
            // Sample-by-sample callers: skip the span copies.
            _input[_lead + _fill] = input[0];
            output[0] = _ready[++_fill];
            return;
        }
        while (done < input.Length)
        {
            int m = Math.Min(input.Length - done, _hop - _fill);
            input.Slice(done, m).CopyTo(_input.AsSpan(_lead + _fill, m));
            if (_fill + m < _hop)
            {
                // Hop not complete: play out the rest of the ready hop, one sample behind the input position.
                _ready.AsSpan(_fill + 1, m).CopyTo(output.Slice(done, m));
                _fill += m;
            }
            else
            {
                _ready.AsSpan(_fill + 1, m - 1).CopyTo(output.Slice(done, m - 1));
                ProcessHop();
                output[done + m - 1] = _ready[0];
                _fill = 0;
            }
            done += m;
        }
    }

    /// <summary>Forgets all state (and resets the processor), as if newly constructed.</summary>
    public void Reset()
    {
        Array.Clear(_input);
        Array.Clear(_accum);
        Array.Clear(_ready);
        Array.Clear(_sideInput);
        _fill = 0;
        _processor?.Reset();
        _sideChain?.Reset();
    }

    /// <summary>Analyses the newest n_fft samples, runs the processor, overlap-adds and hands out one completed hop.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0 code in a live stream's first seconds
    private void ProcessHop()
    {
        TensorPrimitives.Multiply(_input, _analysisWindow, _frame);
        _fft.Forward(_frame, _inRe, _inIm);
        if (_processor is null)
        {
            _inRe.CopyTo(_outRe, 0);
            _inIm.CopyTo(_outIm, 0);
        }
        else if (_sideChain is not null)
        {
            _sideChain.Process(_input.AsSpan(_lead, _hop), _sideInput.AsSpan(_lead, _hop));
            TensorPrimitives.Multiply(_sideInput, _analysisWindow, _frame);
            _fft.Forward(_frame, _sideRe, _sideIm);
            _sideChainProcessor!.ProcessFrame(_sideRe, _sideIm, _inRe, _inIm, _outRe, _outIm);
            _sideInput.AsSpan(_hop).CopyTo(_sideInput);
        }
        else
        {
            _processor.ProcessFrame(_inRe, _inIm, _outRe, _outIm);
        }
        _fft.Inverse(_outRe, _outIm, _frame);
        TensorPrimitives.MultiplyAdd(_frame, _synthesisWindow, _accum, _accum);

        _accum.AsSpan(0, _hop).CopyTo(_ready);
        _accum.AsSpan(_hop).CopyTo(_accum);
        _accum.AsSpan(_lead).Clear();
        _input.AsSpan(_hop).CopyTo(_input);
    }
}
