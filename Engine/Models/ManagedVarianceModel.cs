using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using RealtimeDenoise.Numerics;

namespace RealtimeDenoise.Models;

/// <summary>
/// The VAE evaluated in C# (no native dependency): blocked SIMD GEMM (<see cref="Gemm"/>) and
/// <see cref="TensorPrimitives"/> for the element-wise steps. Rows are processed in chunks of
/// <see cref="ChunkRows"/>, so scratch memory is bounded and stays in cache.
/// <para>Allocation: with <c>threads = 1</c> a call allocates nothing once a batch of that size (or
/// <see cref="ChunkRows"/>, whichever is smaller) has been seen; <see cref="Warmup"/> does this up front.
/// With several threads, large batches are split across the thread pool, which allocates a little per call.</para>
/// <para>Start-up: the element-wise steps use TensorPrimitives, which ships as IL only; until the JIT tiers it up
/// (a few dozen calls, ~0.1 s) a call can be ~50× slower. Apps with a real-time start should set
/// <c>TieredCompilationQuickJit=false</c> (measured: batch-256 encode+decode on the second call 19 ms → 0.27 ms,
/// process start +80 ms).</para>
/// <para>Weights: packed for the GEMM kernel at construction. After changing the <see cref="VaeWeights"/> arrays in
/// place (e.g. during training) call <see cref="ReloadWeights"/>; clones share the packed weights.</para>
/// <para>Thread safety: an instance holds scratch buffers and is not thread-safe; use one per thread
/// (<see cref="Clone"/> shares the read-only weights and gives fresh scratch).</para>
/// </summary>
public sealed class ManagedVarianceModel : IVarianceModel
{
    /// <summary>Rows per pass through the layers.</summary>
    public const int ChunkRows = 256;
    /// <summary>Smallest share of a batch worth handing to another thread.</summary>
    private const int MinRowsPerThread = 32;

    private readonly VaeWeights _weights;
    private readonly int _threads;
    private readonly int _maxWidth;
    private readonly Workspace[] _workspaces;
    /// <summary>Every layer's weights packed for the batch kernel, keyed by layer (built once, read-only, shared by clones).</summary>
    private readonly Dictionary<DenseLayer, PackedMatrix> _packed;
    private bool _disposed;

    public ManagedVarianceModel(VaeWeights weights, ModelCard card, int threads = 1)
        : this(weights, card, threads, packed: null)
    {
    }

    private ManagedVarianceModel(VaeWeights weights, ModelCard card, int threads, Dictionary<DenseLayer, PackedMatrix>? packed)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(card);
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        CheckShapes(weights);
        _weights = weights;
        Card = card;
        _threads = threads;
        _maxWidth = new[] { weights.Bins, weights.LatentDim }
            .Concat(weights.EncoderHidden.Select(l => l.Outputs))
            .Concat(weights.Decoder.Select(l => l.Outputs)).Max();
        _packed = packed ?? weights.EncoderHidden.Concat([weights.EncoderMu, weights.EncoderLogVar]).Concat(weights.Decoder)
            .ToDictionary(l => l, l => new PackedMatrix(l.Weight, l.Bias, l.Outputs, l.Inputs));
        _workspaces = new Workspace[threads];
        for (int i = 0; i < threads; i++) _workspaces[i] = new Workspace();
    }

    public ModelCard Card { get; }
    public int Bins => _weights.Bins;
    public int LatentDim => _weights.LatentDim;
    public VaeWeights Weights => _weights;
    public int Threads => _threads;

    /// <summary>A new instance over the same (read-only) weights with its own scratch: one per thread.</summary>
    public ManagedVarianceModel Clone() => new(_weights, Card, _threads, _packed);

    /// <summary>Picks up in-place changes of the weight arrays (for this instance and its clones). Not concurrent with calls.</summary>
    public void ReloadWeights()
    {
        foreach (var packed in _packed.Values) packed.Repack();
    }

    /// <summary>Allocates the scratch for batches up to <paramref name="maxBatch"/> now, so the first real call does not.</summary>
    public void Warmup(int maxBatch)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        foreach (var ws in _workspaces) ws.Ensure(Math.Min(maxBatch, ChunkRows) * _maxWidth);
    }

    public void Encode(ReadOnlySpan<float> power, int frames, Span<float> mu, Span<float> logVar)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int f = Bins, l = LatentDim;
        CheckBuffer(power.Length, frames, f, nameof(power));
        CheckBuffer(mu.Length, frames, l, nameof(mu));
        CheckBuffer(logVar.Length, frames, l, nameof(logVar));
        if (frames == 0) return;
        int workers = Workers(frames);
        if (workers == 1)
        {
            EncodeRows(_workspaces[0], power[..(frames * f)], frames, mu, logVar);
            return;
        }
        EncodeParallel(power, frames, mu, logVar, workers);
    }

    public void Decode(ReadOnlySpan<float> z, int count, Span<float> logVariance)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int f = Bins, l = LatentDim;
        CheckBuffer(z.Length, count, l, nameof(z));
        CheckBuffer(logVariance.Length, count, f, nameof(logVariance));
        if (count == 0) return;
        int workers = Workers(count);
        if (workers == 1)
        {
            DecodeRows(_workspaces[0], z[..(count * l)], count, logVariance);
            return;
        }
        DecodeParallel(z, count, logVariance, workers);
    }

    public void Dispose() => _disposed = true;

    // The parallel paths live in their own methods: a lambda's captured locals would otherwise be
    // heap-allocated on every call of Encode/Decode, including single-threaded ones.
    private unsafe void EncodeParallel(ReadOnlySpan<float> power, int frames, Span<float> mu, Span<float> logVar, int workers)
    {
        int f = Bins, l = LatentDim;
        fixed (float* pp = power, pm = mu, pl = logVar)
        {
            nint ap = (nint)pp, am = (nint)pm, al = (nint)pl;
            Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, i =>
            {
                var (r0, n) = Share(frames, workers, i);
                EncodeRows(_workspaces[i], new ReadOnlySpan<float>((float*)ap + (long)r0 * f, n * f), n,
                    new Span<float>((float*)am + (long)r0 * l, n * l), new Span<float>((float*)al + (long)r0 * l, n * l));
            });
        }
    }

    private unsafe void DecodeParallel(ReadOnlySpan<float> z, int count, Span<float> logVariance, int workers)
    {
        int f = Bins, l = LatentDim;
        fixed (float* pz = z, pv = logVariance)
        {
            nint az = (nint)pz, av = (nint)pv;
            Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, i =>
            {
                var (r0, n) = Share(count, workers, i);
                DecodeRows(_workspaces[i], new ReadOnlySpan<float>((float*)az + (long)r0 * l, n * l), n,
                    new Span<float>((float*)av + (long)r0 * f, n * f));
            });
        }
    }

    private int Workers(int rows) => _threads == 1 ? 1 : Math.Max(1, Math.Min(_threads, rows / MinRowsPerThread));

    private static (int Start, int Count) Share(int rows, int workers, int i)
    {
        int start = (int)((long)rows * i / workers), end = (int)((long)rows * (i + 1) / workers);
        return (start, end - start);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no slow tier-0 phase at start-up
    private void EncodeRows(Workspace ws, ReadOnlySpan<float> power, int rows, Span<float> mu, Span<float> logVar)
    {
        var w = _weights;
        var input = w.Input;
        int f = Bins, l = LatentDim;
        for (int r0 = 0; r0 < rows; r0 += ChunkRows)
        {
            int m = Math.Min(ChunkRows, rows - r0);
            ws.Ensure(m * _maxWidth);
            Span<float> cur = ws.A.AsSpan(0, m * f);
            bool curInA = true;
            var p = power.Slice(r0 * f, m * f);
            if (input.Log)
            {
                TensorPrimitives.Add(p, input.Epsilon, cur);
                TensorPrimitives.Log(cur, cur);
            }
            else p.CopyTo(cur);
            if (input.Mean is not null)
                for (int r = 0; r < m; r++) TensorPrimitives.Subtract(cur.Slice(r * f, f), input.Mean, cur.Slice(r * f, f));
            if (input.Std is not null)
                for (int r = 0; r < m; r++) TensorPrimitives.Divide(cur.Slice(r * f, f), input.Std, cur.Slice(r * f, f));
            foreach (var layer in w.EncoderHidden)
            {
                var y = (curInA ? ws.B : ws.A).AsSpan(0, m * layer.Outputs);
                Dense(layer, cur, m, y);
                cur = y;
                curInA = !curInA;
            }
            Dense(w.EncoderMu, cur, m, mu.Slice(r0 * l, m * l));
            Dense(w.EncoderLogVar, cur, m, logVar.Slice(r0 * l, m * l));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no slow tier-0 phase at start-up
    private void DecodeRows(Workspace ws, ReadOnlySpan<float> z, int rows, Span<float> logVariance)
    {
        var layers = _weights.Decoder;
        int f = Bins, l = LatentDim;
        for (int r0 = 0; r0 < rows; r0 += ChunkRows)
        {
            int m = Math.Min(ChunkRows, rows - r0);
            ws.Ensure(m * _maxWidth);
            ReadOnlySpan<float> cur = z.Slice(r0 * l, m * l);
            bool intoA = true;
            for (int i = 0; i < layers.Length; i++)
            {
                var layer = layers[i];
                Span<float> y = i == layers.Length - 1
                    ? logVariance.Slice(r0 * f, m * f)
                    : (intoA ? ws.A : ws.B).AsSpan(0, m * layer.Outputs);
                Dense(layer, cur, m, y);
                cur = y;
                intoA = !intoA;
            }
        }
    }

    private void Dense(DenseLayer layer, ReadOnlySpan<float> x, int rows, Span<float> y)
    {
        Gemm.Forward(x, rows, _packed[layer], y);
        switch (layer.Activation)
        {
            case Activation.Tanh: TensorPrimitives.Tanh(y, y); break;
            case Activation.Relu: TensorPrimitives.Max(y, 0f, y); break;
        }
    }

    private static void CheckBuffer(int length, int rows, int width, string name)
    {
        if (rows < 0) throw new ArgumentOutOfRangeException(name, $"Row count must be non-negative, got {rows}.");
        if (length < (long)rows * width) throw new ArgumentException($"{name} has {length} values, needs {rows}×{width}.", name);
    }

    private static void CheckShapes(VaeWeights w)
    {
        int width = w.Bins;
        foreach (var layer in w.EncoderHidden)
        {
            if (layer.Inputs != width) throw new ArgumentException($"Encoder layer expects {layer.Inputs} inputs, previous layer gives {width}.");
            width = layer.Outputs;
        }
        if (w.EncoderMu.Inputs != width || w.EncoderLogVar.Inputs != width || w.EncoderLogVar.Outputs != w.EncoderMu.Outputs)
            throw new ArgumentException("Encoder heads do not fit the last hidden layer or each other.");
        width = w.LatentDim;
        foreach (var layer in w.Decoder)
        {
            if (layer.Inputs != width) throw new ArgumentException($"Decoder layer expects {layer.Inputs} inputs, previous layer gives {width}.");
            width = layer.Outputs;
        }
        if (width != w.Bins) throw new ArgumentException($"Decoder outputs {width} bins, encoder takes {w.Bins}.");
        if (w.Input.Mean is { } mean && mean.Length != w.Bins) throw new ArgumentException("Input mean length differs from the bin count.");
        if (w.Input.Std is { } std && std.Length != w.Bins) throw new ArgumentException("Input std length differs from the bin count.");
    }

    /// <summary>Two ping-pong buffers for layer activations.</summary>
    private sealed class Workspace
    {
        public float[] A = [];
        public float[] B = [];

        public void Ensure(int length)
        {
            if (A.Length >= length) return;
            A = new float[length];
            B = new float[length];
        }
    }
}
