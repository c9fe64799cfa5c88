using System.Diagnostics;

namespace RealtimeDenoise.Host.Audio;

/// <summary>
/// A virtual microphone on PulseAudio / PipeWire (pipewire-pulse): a null sink that `rtdenoise live` plays
/// into, and a remap source over that sink's monitor that other applications see as a microphone.
/// Created through `pactl load-module`, removed again (unload-module) on <see cref="Dispose"/>.
/// </summary>
public sealed class VirtualMicrophone : IDisposable
{
    private readonly List<string> _modules = [];

    private VirtualMicrophone(string name) { Name = name; }

    /// <summary>Name of the source other apps pick; the sink we play into is <see cref="SinkName"/>.</summary>
    public string Name { get; }
    public string SinkName => Name + "_sink";

    /// <summary>The audio server's default source before the modules were loaded (our capture default).</summary>
    public string? PreviousDefaultSource { get; private set; }

    public static VirtualMicrophone Create(string name)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.')))
            throw new AudioDeviceException($"virtual microphone name '{name}' may only contain letters, digits, '_', '-' and '.'");
        var mic = new VirtualMicrophone(name);
        try
        {
            mic.PreviousDefaultSource = Pactl("get-default-source").Trim() is { Length: > 0 } s ? s : null;
            mic._modules.Add(Pactl("load-module", "module-null-sink", $"sink_name={mic.SinkName}",
                "sink_properties=device.description=RealtimeDenoise-output").Trim());
            mic._modules.Add(Pactl("load-module", "module-remap-source", $"master={mic.SinkName}.monitor", $"source_name={name}", "channels=1",
                "source_properties=device.description=RealtimeDenoise-microphone").Trim());
            // Loading a sink may move the server's default; the user's microphone stays the default source.
            if (mic.PreviousDefaultSource is { } previous) Pactl("set-default-source", previous);
        }
        catch
        {
            mic.Dispose();
            throw;
        }
        return mic;
    }

    public void Dispose()
    {
        for (int i = _modules.Count - 1; i >= 0; i--)
        {
            try { Pactl("unload-module", _modules[i]); } catch (AudioDeviceException) { /* already gone with the server */ }
        }
        _modules.Clear();
    }

    private static string Pactl(params string[] args)
    {
        var psi = new ProcessStartInfo("pactl") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        Process p;
        try { p = Process.Start(psi) ?? throw new AudioDeviceException("cannot start pactl"); }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new AudioDeviceException($"--virtual-mic needs `pactl` (PulseAudio or PipeWire; Debian: apt-get install pulseaudio-utils): {e.Message}");
        }
        using (p)
        {
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(5000))
            {
                try { p.Kill(); } catch (InvalidOperationException) { }
                throw new AudioDeviceException($"pactl {string.Join(' ', args)} did not answer within 5 s (is the audio server running?)");
            }
            if (p.ExitCode != 0)
                throw new AudioDeviceException($"pactl {string.Join(' ', args)} failed: {stderr.Result.Trim()}");
            return stdout.Result;
        }
    }
}
