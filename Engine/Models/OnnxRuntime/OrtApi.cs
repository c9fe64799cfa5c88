using System.Runtime.InteropServices;

namespace RealtimeDenoise.Models.OnnxRuntime;

/// <summary>
/// Positions of the functions we call in the C API's <c>struct OrtApi</c> (onnxruntime_c_api.h). The struct
/// is append-only across releases, so these indices hold for every API version ≥ <see cref="OrtApi.MinimumApiVersion"/>.
/// </summary>
internal static class OrtApiIndex
{
    public const int GetErrorCode = 1;
    public const int GetErrorMessage = 2;
    public const int CreateEnv = 3;
    public const int CreateSession = 7;
    public const int CreateSessionFromArray = 8;
    public const int Run = 9;
    public const int CreateSessionOptions = 10;
    public const int SetSessionLogSeverityLevel = 22;
    public const int SetSessionGraphOptimizationLevel = 23;
    public const int SetIntraOpNumThreads = 24;
    public const int SetInterOpNumThreads = 25;
    public const int SessionGetInputCount = 30;
    public const int SessionGetOutputCount = 31;
    public const int SessionGetInputTypeInfo = 33;
    public const int SessionGetOutputTypeInfo = 34;
    public const int SessionGetInputName = 36;
    public const int SessionGetOutputName = 37;
    public const int CreateTensorWithDataAsOrtValue = 49;
    public const int CastTypeInfoToTensorInfo = 55;
    public const int GetTensorElementType = 60;
    public const int GetDimensionsCount = 61;
    public const int GetDimensions = 62;
    public const int GetSymbolicDimensions = 63;
    public const int CreateCpuMemoryInfo = 69;
    public const int AllocatorFree = 76;
    public const int GetAllocatorWithDefaultOptions = 78;
    public const int ReleaseEnv = 92;
    public const int ReleaseStatus = 93;
    public const int ReleaseMemoryInfo = 94;
    public const int ReleaseSession = 95;
    public const int ReleaseValue = 96;
    public const int ReleaseTypeInfo = 98;
    public const int ReleaseSessionOptions = 100;
    public const int GetAvailableProviders = 125;
    public const int ReleaseAvailableProviders = 126;
    public const int SessionOptionsAppendExecutionProvider_CUDA_V2 = 204;
    public const int CreateCUDAProviderOptions = 205;
    public const int UpdateCUDAProviderOptions = 206;
    public const int ReleaseCUDAProviderOptions = 208;
}

/// <summary>
/// Typed calls into the OrtApi function table. Every function returning an OrtStatus* goes through
/// <see cref="Check"/>, which turns a non-null status into an <see cref="OrtException"/> carrying ORT's
/// message and releases the status. Pointers are passed as <see cref="nint"/>; callers own lifetimes.
/// </summary>
internal sealed unsafe class OrtApi
{
    /// <summary>The oldest C API we accept (ONNX Runtime 1.16); all functions in <see cref="OrtApiIndex"/> exist there.</summary>
    public const uint MinimumApiVersion = 16;
    /// <summary>The newest C API this binding was written against (ONNX Runtime 1.23).</summary>
    public const uint MaximumApiVersion = 23;

    private readonly nint* _fn;

    public OrtApi(nint table, uint version, string versionString)
    {
        _fn = (nint*)table;
        Version = version;
        VersionString = versionString;
    }

    public uint Version { get; }
    public string VersionString { get; }

    // ONNX tensor element types and C API enums we use.
    public const int ElementFloat = 1;
    public const int ArenaAllocator = 1;
    public const int MemTypeDefault = 0;

    public void Check(nint status)
    {
        if (status == 0) return;
        int code = ((delegate* unmanaged<nint, int>)_fn[OrtApiIndex.GetErrorCode])(status);
        string message = Marshal.PtrToStringUTF8(((delegate* unmanaged<nint, nint>)_fn[OrtApiIndex.GetErrorMessage])(status)) ?? "(no message)";
        ((delegate* unmanaged<nint, void>)_fn[OrtApiIndex.ReleaseStatus])(status);
        throw new OrtException((OrtErrorCode)code, message);
    }

    public void Release(int releaseIndex, nint obj)
    {
        if (obj != 0) ((delegate* unmanaged<nint, void>)_fn[releaseIndex])(obj);
    }

    public nint CreateEnv(int logLevel, nint logId)
    {
        nint env;
        Check(((delegate* unmanaged<int, nint, nint*, nint>)_fn[OrtApiIndex.CreateEnv])(logLevel, logId, &env));
        return env;
    }

    public nint CreateSessionOptions()
    {
        nint options;
        Check(((delegate* unmanaged<nint*, nint>)_fn[OrtApiIndex.CreateSessionOptions])(&options));
        return options;
    }

    public void SetSessionLogSeverityLevel(nint options, int level) =>
        Check(((delegate* unmanaged<nint, int, nint>)_fn[OrtApiIndex.SetSessionLogSeverityLevel])(options, level));

    public void SetGraphOptimizationLevel(nint options, int level) =>
        Check(((delegate* unmanaged<nint, int, nint>)_fn[OrtApiIndex.SetSessionGraphOptimizationLevel])(options, level));

    public void SetIntraOpNumThreads(nint options, int threads) =>
        Check(((delegate* unmanaged<nint, int, nint>)_fn[OrtApiIndex.SetIntraOpNumThreads])(options, threads));

    public void SetInterOpNumThreads(nint options, int threads) =>
        Check(((delegate* unmanaged<nint, int, nint>)_fn[OrtApiIndex.SetInterOpNumThreads])(options, threads));

    /// <summary>Model path as ORTCHAR_T: UTF-16 on Windows, UTF-8 elsewhere.</summary>
    public nint CreateSession(nint env, string path, nint options)
    {
        nint session;
        nint native = OperatingSystem.IsWindows() ? Marshal.StringToHGlobalUni(path) : Marshal.StringToCoTaskMemUTF8(path);
        try
        {
            Check(((delegate* unmanaged<nint, nint, nint, nint*, nint>)_fn[OrtApiIndex.CreateSession])(env, native, options, &session));
        }
        finally
        {
            if (OperatingSystem.IsWindows()) Marshal.FreeHGlobal(native); else Marshal.FreeCoTaskMem(native);
        }
        return session;
    }

    public nint CreateSessionFromArray(nint env, ReadOnlySpan<byte> model, nint options)
    {
        nint session;
        fixed (byte* data = model)
            Check(((delegate* unmanaged<nint, byte*, nuint, nint, nint*, nint>)_fn[OrtApiIndex.CreateSessionFromArray])(env, data, (nuint)model.Length, options, &session));
        return session;
    }

    public nuint SessionGetCount(nint session, bool inputs)
    {
        nuint count;
        Check(((delegate* unmanaged<nint, nuint*, nint>)_fn[inputs ? OrtApiIndex.SessionGetInputCount : OrtApiIndex.SessionGetOutputCount])(session, &count));
        return count;
    }

    public string SessionGetName(nint session, nuint index, bool input)
    {
        nint allocator;
        Check(((delegate* unmanaged<nint*, nint>)_fn[OrtApiIndex.GetAllocatorWithDefaultOptions])(&allocator));
        nint name;
        Check(((delegate* unmanaged<nint, nuint, nint, nint*, nint>)_fn[input ? OrtApiIndex.SessionGetInputName : OrtApiIndex.SessionGetOutputName])(session, index, allocator, &name));
        try
        {
            return Marshal.PtrToStringUTF8(name) ?? "";
        }
        finally
        {
            Check(((delegate* unmanaged<nint, nint, nint>)_fn[OrtApiIndex.AllocatorFree])(allocator, name));
        }
    }

    /// <summary>Element type and shape of a session input/output (−1 for dynamic dimensions, with their symbolic names).</summary>
    public (int ElementType, long[] Shape, string[] Symbolic) SessionGetTypeInfo(nint session, nuint index, bool input)
    {
        nint typeInfo;
        Check(((delegate* unmanaged<nint, nuint, nint*, nint>)_fn[input ? OrtApiIndex.SessionGetInputTypeInfo : OrtApiIndex.SessionGetOutputTypeInfo])(session, index, &typeInfo));
        try
        {
            nint tensorInfo; // owned by typeInfo: not released separately
            Check(((delegate* unmanaged<nint, nint*, nint>)_fn[OrtApiIndex.CastTypeInfoToTensorInfo])(typeInfo, &tensorInfo));
            if (tensorInfo == 0) return (0, [], []);
            int type;
            Check(((delegate* unmanaged<nint, int*, nint>)_fn[OrtApiIndex.GetTensorElementType])(tensorInfo, &type));
            nuint rank;
            Check(((delegate* unmanaged<nint, nuint*, nint>)_fn[OrtApiIndex.GetDimensionsCount])(tensorInfo, &rank));
            var shape = new long[(int)rank];
            var symbolic = new string[(int)rank];
            if (rank > 0)
            {
                var names = new nint[(int)rank];
                fixed (long* pShape = shape)
                fixed (nint* pNames = names)
                {
                    Check(((delegate* unmanaged<nint, long*, nuint, nint>)_fn[OrtApiIndex.GetDimensions])(tensorInfo, pShape, rank));
                    Check(((delegate* unmanaged<nint, nint*, nuint, nint>)_fn[OrtApiIndex.GetSymbolicDimensions])(tensorInfo, pNames, rank));
                }
                for (int i = 0; i < symbolic.Length; i++) symbolic[i] = Marshal.PtrToStringUTF8(names[i]) ?? "";
            }
            return (type, shape, symbolic);
        }
        finally
        {
            Release(OrtApiIndex.ReleaseTypeInfo, typeInfo);
        }
    }

    public nint CreateCpuMemoryInfo()
    {
        nint info;
        Check(((delegate* unmanaged<int, int, nint*, nint>)_fn[OrtApiIndex.CreateCpuMemoryInfo])(ArenaAllocator, MemTypeDefault, &info));
        return info;
    }

    /// <summary>An OrtValue that views <paramref name="data"/> (no copy); the memory must stay fixed until the value is released.</summary>
    public nint CreateTensorWithData(nint memoryInfo, float* data, long elements, long* shape, int rank)
    {
        nint value;
        Check(((delegate* unmanaged<nint, void*, nuint, long*, nuint, int, nint*, nint>)_fn[OrtApiIndex.CreateTensorWithDataAsOrtValue])(
            memoryInfo, data, (nuint)(elements * sizeof(float)), shape, (nuint)rank, ElementFloat, &value));
        return value;
    }

    public void Run(nint session, nint* inputNames, nint* inputs, int inputCount, nint* outputNames, int outputCount, nint* outputs) =>
        Check(((delegate* unmanaged<nint, nint, nint*, nint*, nuint, nint*, nuint, nint*, nint>)_fn[OrtApiIndex.Run])(
            session, 0, inputNames, inputs, (nuint)inputCount, outputNames, (nuint)outputCount, outputs));

    public string[] GetAvailableProviders()
    {
        nint list;
        int count;
        Check(((delegate* unmanaged<nint*, int*, nint>)_fn[OrtApiIndex.GetAvailableProviders])(&list, &count));
        try
        {
            var result = new string[count];
            for (int i = 0; i < count; i++) result[i] = Marshal.PtrToStringUTF8(((nint*)list)[i]) ?? "";
            return result;
        }
        finally
        {
            Check(((delegate* unmanaged<nint, int, nint>)_fn[OrtApiIndex.ReleaseAvailableProviders])(list, count));
        }
    }

    /// <summary>Appends the CUDA execution provider for device <paramref name="deviceId"/> (V2 options API).</summary>
    public void AppendCudaProvider(nint sessionOptions, int deviceId)
    {
        nint cuda;
        Check(((delegate* unmanaged<nint*, nint>)_fn[OrtApiIndex.CreateCUDAProviderOptions])(&cuda));
        nint key = Marshal.StringToCoTaskMemUTF8("device_id");
        nint value = Marshal.StringToCoTaskMemUTF8(deviceId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        try
        {
            Check(((delegate* unmanaged<nint, nint*, nint*, nuint, nint>)_fn[OrtApiIndex.UpdateCUDAProviderOptions])(cuda, &key, &value, 1));
            Check(((delegate* unmanaged<nint, nint, nint>)_fn[OrtApiIndex.SessionOptionsAppendExecutionProvider_CUDA_V2])(sessionOptions, cuda));
        }
        finally
        {
            Marshal.FreeCoTaskMem(key);
            Marshal.FreeCoTaskMem(value);
            Release(OrtApiIndex.ReleaseCUDAProviderOptions, cuda);
        }
    }
}

/// <summary>OrtErrorCode of the C API.</summary>
public enum OrtErrorCode
{
    Ok, Fail, InvalidArgument, NoSuchFile, NoModel, EngineError, RuntimeException, InvalidProtobuf,
    ModelLoaded, NotImplemented, InvalidGraph, EpFail,
}

/// <summary>An error reported by ONNX Runtime, with its code and message (an operation the native runtime refused).</summary>
public class OrtException(OrtErrorCode code, string message, Exception? inner = null) : InvalidOperationException($"ONNX Runtime: {message}", inner)
{
    public OrtErrorCode Code { get; } = code;
}

/// <summary>The requested execution provider (e.g. CUDA) is not available in the loaded ONNX Runtime library or failed to start.</summary>
public sealed class OrtExecutionProviderException(string message, Exception? inner = null) : NotSupportedException(message, inner);

/// <summary>The ONNX Runtime native library could not be found or loaded (the message lists every place tried).</summary>
public sealed class OrtLibraryNotFoundException(string message, Exception? inner = null) : DllNotFoundException(message, inner);
