using System.Runtime.InteropServices;
using RealtimeDenoise.Models.Onnx;
using RealtimeDenoise.Models.OnnxRuntime;

namespace RealtimeDenoise.Models;

/// <summary>
/// The VAE run by ONNX Runtime through our own binding of its C API (see <see cref="OrtLibrary"/> for how the
/// native library is found). Inputs and outputs are the caller's buffers, wrapped as tensors without copying;
/// a call allocates no managed memory.
/// <para>Thread safety: Encode/Decode may run concurrently (ONNX Runtime sessions are thread-safe and this class
/// keeps no per-call state); Dispose must not race with them. Disposing twice is harmless.</para>
/// </summary>
public sealed class OrtVarianceModel : IVarianceModel
{
    private readonly OrtHandle _env;
    private readonly OrtHandle _memoryInfo;
    private readonly OrtSession _encoder;
    private readonly OrtSession _decoder;
    private int _disposed;

    private OrtVarianceModel(ModelCard card, OrtLibrary library, OrtHandle env, OrtHandle memoryInfo, OrtSession encoder, OrtSession decoder, ExecutionDevice device, string? notice)
    {
        Card = card;
        Library = library;
        _env = env;
        _memoryInfo = memoryInfo;
        _encoder = encoder;
        _decoder = decoder;
        Device = device;
        Notice = notice;
        _muFirst = encoder.Outputs[0].Name == VaeOnnx.MuOutput;
    }

    /// <summary>Run fills outputs in the session's order; remember which of the two is mu.</summary>
    private readonly bool _muFirst;

    public ModelCard Card { get; }
    public int Bins => Card.Bins;
    public int LatentDim => Card.LatentDim;

    /// <summary>The native library in use (path, version, providers).</summary>
    public OrtLibrary Library { get; }

    /// <summary>Where the graphs run: <see cref="ExecutionDevice.Cpu"/> or <see cref="ExecutionDevice.Cuda"/>.</summary>
    public ExecutionDevice Device { get; }

    /// <summary>Set when the requested device was not used (Auto fell back to CPU): one line saying why.</summary>
    public string? Notice { get; }

    public IReadOnlyList<OrtValueInfo> EncoderInputs => _encoder.Inputs;
    public IReadOnlyList<OrtValueInfo> EncoderOutputs => _encoder.Outputs;
    public IReadOnlyList<OrtValueInfo> DecoderInputs => _decoder.Inputs;
    public IReadOnlyList<OrtValueInfo> DecoderOutputs => _decoder.Outputs;

    /// <summary>Loads a package folder (null: the embedded default) with ONNX Runtime.</summary>
    public static OrtVarianceModel Load(string? directory, ModelLoadOptions? options = null) =>
        (OrtVarianceModel)ModelPackage.Load(directory, (options ?? new ModelLoadOptions()) with { Backend = InferenceBackend.Onnx });

    internal static OrtVarianceModel Create(PackageSource source, ModelCard card, byte[] encoderBytes, byte[] decoderBytes, ModelLoadOptions options)
    {
        var library = OrtLibrary.Load(options.OrtLibraryPath);
        var api = library.Api;
        var logId = Marshal.StringToCoTaskMemUTF8("rtdenoise");
        OrtHandle env;
        try
        {
            env = OrtHandle.Create(api, OrtApiIndex.ReleaseEnv, () => api.CreateEnv((int)options.OrtLogLevel, logId));
        }
        finally
        {
            Marshal.FreeCoTaskMem(logId);
        }
        OrtHandle? memoryInfo = null;
        OrtSession? encoder = null, decoder = null;
        try
        {
            memoryInfo = OrtHandle.Create(api, OrtApiIndex.ReleaseMemoryInfo, api.CreateCpuMemoryInfo);
            string? notice = null;
            var device = options.Device;
            if (device == ExecutionDevice.Cuda && !library.HasCuda)
                throw new OrtExecutionProviderException(NoCudaMessage(library));
            if (device == ExecutionDevice.Auto && !library.HasCuda)
            {
                notice = $"CUDA not available ({library.CudaUnavailableReason}); running on the CPU.";
                device = ExecutionDevice.Cpu;
            }
            while (true)
            {
                bool cuda = device != ExecutionDevice.Cpu;
                try
                {
                    using var sessionOptions = CreateSessionOptions(api, options, cuda, library);
                    encoder = OrtSession.Create(api, env, sessionOptions, memoryInfo, source.PathOf(VaeOnnx.EncoderFile), encoderBytes);
                    decoder = OrtSession.Create(api, env, sessionOptions, memoryInfo, source.PathOf(VaeOnnx.DecoderFile), decoderBytes);
                    break;
                }
                catch (Exception e) when (cuda && device == ExecutionDevice.Auto && e is OrtException or OrtExecutionProviderException)
                {
                    // Auto: CUDA is compiled in but did not start (no GPU, driver or CUDA libraries); retry on the CPU.
                    encoder?.Dispose();
                    encoder = null;
                    notice = $"CUDA could not be used ({FirstLine(e.Message)}); running on the CPU.";
                    device = ExecutionDevice.Cpu;
                }
                catch (OrtException e) when (cuda)
                {
                    throw new OrtExecutionProviderException(
                        $"CUDA was requested but ONNX Runtime {library.Version} ({library.Path}) could not start it: {e.Message} " +
                        "(check the NVIDIA driver and the CUDA/cuDNN libraries this ONNX Runtime build needs).", e);
                }
            }
            if (notice is not null) options.Notice?.Invoke(notice);
            CheckSignature(encoder!, source.Describe(VaeOnnx.EncoderFile), [(VaeOnnx.PowerInput, card.Bins)], [(VaeOnnx.MuOutput, card.LatentDim), (VaeOnnx.LogVarOutput, card.LatentDim)]);
            CheckSignature(decoder!, source.Describe(VaeOnnx.DecoderFile), [(VaeOnnx.LatentInput, card.LatentDim)], [(VaeOnnx.LogVarianceOutput, card.Bins)]);
            return new OrtVarianceModel(card, library, env, memoryInfo, encoder!, decoder!, device == ExecutionDevice.Cpu ? ExecutionDevice.Cpu : ExecutionDevice.Cuda, notice);
        }
        catch (OrtException e) when (e.Code is OrtErrorCode.InvalidProtobuf or OrtErrorCode.InvalidGraph or OrtErrorCode.NoModel or OrtErrorCode.NoSuchFile)
        {
            Cleanup();
            throw new InvalidDataException($"{source.Label}: ONNX Runtime rejected the model: {e.Message}", e);
        }
        catch
        {
            Cleanup();
            throw;
        }

        void Cleanup()
        {
            decoder?.Dispose();
            encoder?.Dispose();
            memoryInfo?.Dispose();
            env.Dispose();
        }
    }

    private static OrtHandle CreateSessionOptions(OrtApi api, ModelLoadOptions options, bool cuda, OrtLibrary library)
    {
        var h = OrtHandle.Create(api, OrtApiIndex.ReleaseSessionOptions, api.CreateSessionOptions);
        try
        {
            nint o = h.DangerousGetHandle();
            api.SetSessionLogSeverityLevel(o, (int)options.OrtLogLevel);
            api.SetGraphOptimizationLevel(o, (int)options.GraphOptimization);
            api.SetIntraOpNumThreads(o, options.Threads);
            api.SetInterOpNumThreads(o, 1);
            if (cuda)
            {
                if (!library.HasCuda) throw new OrtExecutionProviderException(NoCudaMessage(library));
                api.AppendCudaProvider(o, options.CudaDeviceId);
            }
            return h;
        }
        catch
        {
            h.Dispose();
            throw;
        }
    }

    private static string NoCudaMessage(OrtLibrary library) =>
        $"CUDA was requested, but {library.CudaUnavailableReason}. Use a CUDA-enabled ONNX Runtime build (onnxruntime-gpu) " +
        $"via --ort-lib PATH or {OrtLibrary.EnvironmentVariable}, or run on the CPU.";

    private static void CheckSignature(OrtSession session, string file, (string Name, int Width)[] inputs, (string Name, int Width)[] outputs)
    {
        static void Check(IReadOnlyList<OrtValueInfo> actual, (string Name, int Width)[] expected, string file, string what)
        {
            var names = actual.Select(a => a.Name).OrderBy(n => n, StringComparer.Ordinal);
            if (!names.SequenceEqual(expected.Select(e => e.Name).OrderBy(n => n, StringComparer.Ordinal)))
                throw new InvalidDataException($"{file}: graph {what}s are [{string.Join(", ", actual)}], expected [{string.Join(", ", expected.Select(e => e.Name))}].");
            foreach (var (name, width) in expected)
            {
                var a = actual.First(x => x.Name == name);
                if (a.ElementType != OrtApi.ElementFloat || a.Shape.Length != 2 || a.Shape[0] >= 0 || a.Shape[1] != width)
                    throw new InvalidDataException($"{file}: graph {what} {a}: expected float[N,{width}] with a dynamic batch dimension.");
            }
        }
        Check(session.Inputs, inputs, file, "input");
        Check(session.Outputs, outputs, file, "output");
    }

    private static string FirstLine(string s)
    {
        int nl = s.IndexOf('\n');
        return nl < 0 ? s.Trim() : s[..nl].Trim();
    }

    public unsafe void Encode(ReadOnlySpan<float> power, int frames, Span<float> mu, Span<float> logVar)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        int f = Bins, l = LatentDim;
        CheckBuffer(power.Length, frames, f, nameof(power));
        CheckBuffer(mu.Length, frames, l, nameof(mu));
        CheckBuffer(logVar.Length, frames, l, nameof(logVar));
        if (frames == 0) return;
        fixed (float* p = power, m = mu, v = logVar)
        {
            if (_muFirst) _encoder.Run(p, frames, f, m, l, v, l);
            else _encoder.Run(p, frames, f, v, l, m, l);
        }
    }

    public unsafe void Decode(ReadOnlySpan<float> z, int count, Span<float> logVariance)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        int f = Bins, l = LatentDim;
        CheckBuffer(z.Length, count, l, nameof(z));
        CheckBuffer(logVariance.Length, count, f, nameof(logVariance));
        if (count == 0) return;
        fixed (float* pz = z, pv = logVariance)
            _decoder.Run(pz, count, l, pv, f, null, 0);
    }

    private static void CheckBuffer(int length, int rows, int width, string name)
    {
        if (rows < 0) throw new ArgumentOutOfRangeException(name, $"Row count must be non-negative, got {rows}.");
        if (length < (long)rows * width) throw new ArgumentException($"{name} has {length} values, needs {rows}×{width}.", name);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _decoder.Dispose();
        _encoder.Dispose();
        _memoryInfo.Dispose();
        _env.Dispose();
    }

    public override string ToString() => $"ONNX Runtime {Library.Version} on {Device} ({Library.Path})";
}
