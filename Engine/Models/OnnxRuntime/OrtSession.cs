namespace RealtimeDenoise.Models.OnnxRuntime;

/// <summary>A graph input or output as ONNX Runtime reports it: element type (1 = float) and shape (−1 = dynamic).</summary>
public sealed record OrtValueInfo(string Name, int ElementType, long[] Shape, string[] SymbolicDims)
{
    public override string ToString() =>
        $"{Name}: {(ElementType == OrtApi.ElementFloat ? "float" : $"type{ElementType}")}[" +
        string.Join(",", Shape.Select((d, i) => d >= 0 ? d.ToString(System.Globalization.CultureInfo.InvariantCulture) : SymbolicDims[i] is { Length: > 0 } s ? s : "?")) + "]";
}

/// <summary>
/// One ONNX Runtime inference session with its input/output names and shapes. <see cref="Run"/> wraps the
/// caller's memory in tensors (no copy) and lets ORT write the outputs straight into the caller's buffers.
/// Run may be called from several threads (ORT sessions are thread-safe); Dispose must not race with Run.
/// </summary>
internal sealed class OrtSession : IDisposable
{
    private readonly OrtApi _api;
    private readonly OrtHandle _session;
    private readonly OrtHandle _memoryInfo;
    private readonly NativeNames _inputNames;
    private readonly NativeNames _outputNames;

    private OrtSession(OrtApi api, OrtHandle session, OrtHandle memoryInfo)
    {
        _api = api;
        _session = session;
        _memoryInfo = memoryInfo;
        nint s = session.DangerousGetHandle();
        Inputs = Describe(s, input: true);
        Outputs = Describe(s, input: false);
        _inputNames = new NativeNames([.. Inputs.Select(i => i.Name)]);
        _outputNames = new NativeNames([.. Outputs.Select(o => o.Name)]);
    }

    public IReadOnlyList<OrtValueInfo> Inputs { get; }
    public IReadOnlyList<OrtValueInfo> Outputs { get; }

    /// <summary>Creates a session from a file (<paramref name="path"/>) or from model bytes.</summary>
    public static OrtSession Create(OrtApi api, OrtHandle env, OrtHandle options, OrtHandle memoryInfo, string? path, byte[] bytes)
    {
        nint e = env.DangerousGetHandle(), o = options.DangerousGetHandle();
        var session = OrtHandle.Create(api, OrtApiIndex.ReleaseSession,
            () => path is not null ? api.CreateSession(e, path, o) : api.CreateSessionFromArray(e, bytes, o),
            dependsOn: env);
        try
        {
            return new OrtSession(api, session, memoryInfo);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    private OrtValueInfo[] Describe(nint session, bool input)
    {
        int count = checked((int)_api.SessionGetCount(session, input));
        var infos = new OrtValueInfo[count];
        for (int i = 0; i < count; i++)
        {
            string name = _api.SessionGetName(session, (nuint)i, input);
            var (type, shape, symbolic) = _api.SessionGetTypeInfo(session, (nuint)i, input);
            infos[i] = new OrtValueInfo(name, type, shape, symbolic);
        }
        return infos;
    }

    /// <summary>
    /// Runs a graph with one float input [rows, inputWidth] and one or two float outputs [rows, width]
    /// (pass <paramref name="output1"/> = null for one). All buffers must stay fixed for the call.
    /// </summary>
    public unsafe void Run(float* input, int rows, int inputWidth, float* output0, int width0, float* output1, int width1)
    {
        int outputCount = output1 is null ? 1 : 2;
        if (Inputs.Count != 1 || Outputs.Count != outputCount)
            throw new InvalidOperationException($"Session has {Inputs.Count} inputs and {Outputs.Count} outputs; Run was given 1 and {outputCount}.");
        bool s = false, m = false, i = false, o = false;
        nint* inputs = stackalloc nint[1];
        nint* outputs = stackalloc nint[2];
        inputs[0] = outputs[0] = outputs[1] = 0;
        long* shape = stackalloc long[2];
        try
        {
            _session.DangerousAddRef(ref s);
            _memoryInfo.DangerousAddRef(ref m);
            _inputNames.DangerousAddRef(ref i);
            _outputNames.DangerousAddRef(ref o);
            nint info = _memoryInfo.DangerousGetHandle();
            shape[0] = rows;
            shape[1] = inputWidth;
            inputs[0] = _api.CreateTensorWithData(info, input, (long)rows * inputWidth, shape, 2);
            shape[1] = width0;
            outputs[0] = _api.CreateTensorWithData(info, output0, (long)rows * width0, shape, 2);
            if (output1 is not null)
            {
                shape[1] = width1;
                outputs[1] = _api.CreateTensorWithData(info, output1, (long)rows * width1, shape, 2);
            }
            _api.Run(_session.DangerousGetHandle(), _inputNames.Pointer, inputs, 1, _outputNames.Pointer, outputCount, outputs);
        }
        finally
        {
            // The tensors only view our buffers; releasing them frees ORT's small wrappers, not the data.
            _api.Release(OrtApiIndex.ReleaseValue, inputs[0]);
            _api.Release(OrtApiIndex.ReleaseValue, outputs[0]);
            _api.Release(OrtApiIndex.ReleaseValue, outputs[1]);
            if (o) _outputNames.DangerousRelease();
            if (i) _inputNames.DangerousRelease();
            if (m) _memoryInfo.DangerousRelease();
            if (s) _session.DangerousRelease();
        }
    }

    public void Dispose()
    {
        _session.Dispose();
        _inputNames.Dispose();
        _outputNames.Dispose();
    }
}
