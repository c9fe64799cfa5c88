namespace RealtimeDenoise.Engine.Tests.Models;

/// <summary>
/// The ONNX Runtime CPU library the tests use: $RTDENOISE_ORT_LIBRARY (test.sh sets it), else the copy that
/// scripts/install-deps.sh puts under .native/ in the repository. Missing library = failing tests, with a hint.
/// </summary>
internal static class OrtTestLibrary
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        string? env = Environment.GetEnvironmentVariable("RTDENOISE_ORT_LIBRARY");
        if (!string.IsNullOrEmpty(env) && File.Exists(env)) return env;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = System.IO.Path.Combine(dir.FullName, ".native", "onnxruntime", "current", "libonnxruntime.so.1");
            if (File.Exists(candidate)) return candidate;
        }
        throw new InvalidOperationException("ONNX Runtime CPU library not found: run scripts/install-deps.sh (test.sh does) or set RTDENOISE_ORT_LIBRARY.");
    }
}
