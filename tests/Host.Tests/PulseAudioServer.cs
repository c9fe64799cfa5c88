using System.Diagnostics;

namespace RealtimeDenoise.Host.Tests;

/// <summary>
/// A private PulseAudio server for the live tests, in user mode (as root it runs with a warning), with its
/// own runtime folder and socket so it never touches a desktop's server. Every process started through
/// <see cref="Start"/> is killed on <see cref="Dispose"/>, the server last, also when a test fails.
/// </summary>
internal sealed class PulseAudioServer : IDisposable
{
    private readonly List<Process> _processes = [];
    private readonly Process _server;

    public PulseAudioServer(IEnumerable<string> modules)
    {
        RuntimeDir = TestAudio.TempDir("pulse");
        Socket = Path.Combine(RuntimeDir, "native");
        var args = new List<string>
        {
            "-n", "--daemonize=no", "--exit-idle-time=-1", "--system=false", "--use-pid-file=false",
            "--log-target=stderr", "--log-level=error", "--resample-method=soxr-vhq",
            $"--load=module-native-protocol-unix auth-anonymous=1 socket={Socket}",
        };
        args.AddRange(modules.Select(m => $"--load={m}"));
        _server = Start("pulseaudio", args, redirect: true);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (_server.HasExited) throw new InvalidOperationException($"pulseaudio exited: {_server.StandardError.ReadToEnd()}");
            var info = Start("pactl", ["info"], redirect: true);
            info.WaitForExit(5000);
            if (info.ExitCode == 0) break;
            if (clock.Elapsed > TimeSpan.FromSeconds(10)) throw new TimeoutException("pulseaudio did not answer `pactl info` within 10 s");
            Thread.Sleep(100);
        }
    }

    public string RuntimeDir { get; }
    public string Socket { get; }

    /// <summary>Starts a process that talks to this server (PULSE_SERVER set); it is killed on Dispose.</summary>
    public Process Start(string file, IEnumerable<string> args, bool redirect = false, IDictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardError = redirect, RedirectStandardOutput = redirect };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["PULSE_SERVER"] = $"unix:{Socket}";
        psi.Environment["PULSE_RUNTIME_PATH"] = RuntimeDir;
        psi.Environment["HOME"] = RuntimeDir; // keeps ~/.config/pulse of the user out of it
        if (env is not null) foreach (var (k, v) in env) psi.Environment[k] = v;
        var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
        lock (_processes) _processes.Add(p);
        return p;
    }

    public void Dispose()
    {
        List<Process> all;
        lock (_processes) all = [.. _processes];
        foreach (var p in all.Where(p => p != _server).Append(_server))
        {
            try { if (!p.HasExited) { p.Kill(entireProcessTree: true); p.WaitForExit(3000); } }
            catch (InvalidOperationException) { }
            p.Dispose();
        }
        try { Directory.Delete(RuntimeDir, true); } catch (IOException) { }
    }
}
