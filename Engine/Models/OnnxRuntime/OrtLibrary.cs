using System.Globalization;
using System.Runtime.InteropServices;

namespace RealtimeDenoise.Models.OnnxRuntime;

/// <summary>
/// A loaded ONNX Runtime native library and its C API table. Found in this order: an explicit path
/// (<see cref="ModelLoadOptions.OrtLibraryPath"/>, <c>--ort-lib</c>), the environment variable
/// <see cref="EnvironmentVariable"/>, the application folder, then the system loader (LD_LIBRARY_PATH,
/// ldconfig paths, PATH on Windows). A library is loaded once per process and never unloaded
/// (ONNX Runtime keeps process-wide state).
/// </summary>
public sealed class OrtLibrary
{
    public const string EnvironmentVariable = "RTDENOISE_ORT_LIBRARY";

    private static readonly Dictionary<string, OrtLibrary> Loaded = new(StringComparer.Ordinal);
    private static readonly object Gate = new();

    private OrtLibrary(string path, OrtApi api, string[] providers)
    {
        Path = path;
        Api = api;
        AvailableProviders = providers;
    }

    /// <summary>The file that was loaded (or the name the system loader resolved).</summary>
    public string Path { get; }

    /// <summary>The library's own version string, e.g. "1.23.2".</summary>
    public string Version => Api.VersionString;

    /// <summary>The C API version in use.</summary>
    public uint ApiVersion => Api.Version;

    /// <summary>Execution providers compiled into this library, e.g. CPUExecutionProvider, CUDAExecutionProvider.</summary>
    public IReadOnlyList<string> AvailableProviders { get; }

    /// <summary>True when CUDA is compiled in and, for builds that keep it in a separate provider library, that library is present.</summary>
    public bool HasCuda => CudaUnavailableReason is null;

    /// <summary>Why CUDA cannot be used with this library, in plain words; null when it looks usable (the GPU itself is checked only when a session starts).</summary>
    public string? CudaUnavailableReason
    {
        get
        {
            if (!AvailableProviders.Contains("CUDAExecutionProvider"))
                return $"the ONNX Runtime library {Path} (version {Version}) has no CUDA execution provider (it has: {string.Join(", ", AvailableProviders)})";
            // Official builds keep CUDA in libonnxruntime_providers_cuda next to the main library; CPU packages
            // (e.g. the one in onnxruntime-node) list the provider but do not ship that file.
            string? dir = System.IO.Path.IsPathRooted(Path) ? System.IO.Path.GetDirectoryName(Path) : null;
            if (dir is null) return null;
            string provider = OperatingSystem.IsWindows() ? "onnxruntime_providers_cuda.dll" : "libonnxruntime_providers_cuda.so";
            if (!File.Exists(System.IO.Path.Combine(dir, provider)))
                return $"the ONNX Runtime library {Path} (version {Version}) has no CUDA execution provider: {provider} is not next to it (a CPU-only package)";
            return null;
        }
    }

    internal OrtApi Api { get; }

    /// <summary>File names the library goes by on this platform, most specific first.</summary>
    private static string[] PlatformNames =>
        OperatingSystem.IsWindows() ? ["onnxruntime.dll"]
        : OperatingSystem.IsMacOS() ? ["libonnxruntime.dylib"]
        : ["libonnxruntime.so.1", "libonnxruntime.so"];

    /// <summary>
    /// Finds and loads the library (see the class summary for the order). Throws
    /// <see cref="OrtLibraryNotFoundException"/> listing every place tried.
    /// </summary>
    public static OrtLibrary Load(string? explicitPath = null)
    {
        var tried = new List<string>();
        if (!string.IsNullOrWhiteSpace(explicitPath))
            return LoadFile(explicitPath, "the given path", tried) ?? throw NotFound(tried);
        tried.Add("explicit path (none given)");
        string? fromEnv = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnv))
            return LoadFile(fromEnv, EnvironmentVariable, tried) ?? throw NotFound(tried);
        tried.Add($"{EnvironmentVariable} (not set)");
        foreach (var name in PlatformNames)
        {
            string candidate = System.IO.Path.Combine(AppContext.BaseDirectory, name);
            if (File.Exists(candidate)) return LoadFile(candidate, "app folder", tried) ?? throw NotFound(tried);
            tried.Add($"{candidate} (absent)");
        }
        foreach (var name in PlatformNames)
        {
            var lib = LoadNamed(name, name, systemLoader: true, tried);
            if (lib is not null) return lib;
        }
        throw NotFound(tried);
    }

    private static OrtLibraryNotFoundException NotFound(List<string> tried) => new(
        "ONNX Runtime native library not found or not usable. Tried: " + string.Join("; ", tried) +
        $". Install it (scripts/install-deps.sh puts it in .native/onnxruntime/current/) and pass --ort-lib PATH or set {EnvironmentVariable}, or use the managed backend.");

    private static OrtLibrary? LoadFile(string path, string origin, List<string> tried)
    {
        string full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            tried.Add($"{full} from {origin} (file does not exist)");
            return null;
        }
        return LoadNamed(full, $"{full} from {origin}", systemLoader: false, tried);
    }

    private static OrtLibrary? LoadNamed(string nameOrPath, string description, bool systemLoader, List<string> tried)
    {
        lock (Gate)
        {
            if (Loaded.TryGetValue(nameOrPath, out var cached)) return cached;
            nint handle;
            try
            {
                handle = NativeLibrary.Load(nameOrPath);
            }
            catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
            {
                tried.Add(systemLoader ? $"system loader '{nameOrPath}' ({LoaderReason(e.Message)})" : $"{description} (cannot load: {LoaderReason(e.Message)})");
                return null;
            }
            // The handle stays open for the life of the process: ONNX Runtime is not designed to be unloaded.
            if (!NativeLibrary.TryGetExport(handle, "OrtGetApiBase", out nint getApiBase))
            {
                tried.Add($"{description} (no OrtGetApiBase export: not ONNX Runtime)");
                return null;
            }
            var lib = Create(nameOrPath, getApiBase, description, tried);
            if (lib is not null) Loaded[nameOrPath] = lib;
            return lib;
        }
    }

    private static unsafe OrtLibrary? Create(string path, nint getApiBase, string description, List<string> tried)
    {
        // struct OrtApiBase { const OrtApi* (*GetApi)(uint32_t version); const char* (*GetVersionString)(void); }
        nint* apiBase = ((delegate* unmanaged<nint*>)getApiBase)();
        string version = Marshal.PtrToStringUTF8(((delegate* unmanaged<nint>)apiBase[1])()) ?? "";
        // The C API version equals the minor release number (1.23 → 23). Asking for more than the library
        // has makes it print an error, so ask for what both sides know.
        uint minor = 0;
        var parts = version.Split('.');
        if (parts.Length >= 2) uint.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out minor);
        uint apiVersion = Math.Min(minor, OrtApi.MaximumApiVersion);
        if (apiVersion < OrtApi.MinimumApiVersion)
        {
            tried.Add($"{description} (version {version} is too old; need ONNX Runtime ≥ 1.{OrtApi.MinimumApiVersion})");
            return null;
        }
        nint table = ((delegate* unmanaged<uint, nint>)apiBase[0])(apiVersion);
        if (table == 0)
        {
            tried.Add($"{description} (GetApi({apiVersion}) returned null; version {version})");
            return null;
        }
        var api = new OrtApi(table, apiVersion, version);
        return new OrtLibrary(path, api, api.GetAvailableProviders());
    }

    /// <summary>The loader's own reason (dlerror text), which .NET puts after a generic first line.</summary>
    private static string LoaderReason(string message)
    {
        var lines = message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        string last = lines.Length > 1 ? lines[^1] : lines.FirstOrDefault() ?? "unknown error";
        return last.Length > 300 ? last[..300] + "…" : last;
    }

    public override string ToString() => $"ONNX Runtime {Version} ({Path}; providers: {string.Join(", ", AvailableProviders)})";
}
