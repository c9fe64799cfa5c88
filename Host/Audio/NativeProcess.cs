using System.Runtime.InteropServices;

namespace RealtimeDenoise.Host.Audio;

/// <summary>
/// The few libc calls the audio host needs: the native environment (libpulse reads PULSE_SINK/PULSE_SOURCE
/// from it, and .NET's Environment.SetEnvironmentVariable does not reach it on Unix) and a temporary
/// redirect of stderr, so ALSA's probing chatter during Pa_Initialize does not flood the terminal.
/// </summary>
internal static partial class NativeProcess
{
    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);

    [LibraryImport("libc", EntryPoint = "dup")] private static partial int Dup(int fd);
    [LibraryImport("libc", EntryPoint = "dup2")] private static partial int Dup2(int fd, int fd2);
    [LibraryImport("libc", EntryPoint = "close")] private static partial int Close(int fd);
    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8)] private static partial int Open(string path, int flags);

    /// <summary>Sets a variable in both the managed and the native environment.</summary>
    public static void SetEnvironment(string name, string value)
    {
        Environment.SetEnvironmentVariable(name, value);
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()) SetEnv(name, value, 1);
    }

    /// <summary>Runs <paramref name="action"/> with file descriptor 2 pointed at /dev/null (no-op off Unix).</summary>
    public static T WithSilencedStderr<T>(Func<T> action)
    {
        if (!(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()) || Environment.GetEnvironmentVariable("RTDENOISE_AUDIO_DEBUG") is not null)
            return action();
        Console.Error.Flush();
        int saved = Dup(2);
        int devNull = Open("/dev/null", 1 /* O_WRONLY */);
        if (saved < 0 || devNull < 0) return action();
        Dup2(devNull, 2);
        Close(devNull);
        try { return action(); }
        finally
        {
            Dup2(saved, 2);
            Close(saved);
        }
    }
}
