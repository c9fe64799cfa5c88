using static RealtimeDenoise.Host.Audio.PortAudioNative;

namespace RealtimeDenoise.Host.Audio;

/// <summary>
/// One initialised PortAudio library (Pa_Initialize … Pa_Terminate): lists host APIs and devices and
/// resolves a device given by index or by name substring.
/// </summary>
public sealed unsafe class PortAudioSystem : IDisposable
{
    private bool _disposed;

    public PortAudioSystem()
    {
        int err;
        try { err = NativeProcess.WithSilencedStderr(Pa_Initialize); }
        catch (DllNotFoundException e)
        {
            throw new AudioDeviceException($"PortAudio is not installed (libportaudio.so.2; on Debian/Ubuntu: apt-get install libportaudio2): {e.Message}");
        }
        if (err != 0) throw new AudioDeviceException($"PortAudio failed to initialise: {ErrorText(err)}");
        Version = Text(Pa_GetVersionText());
    }

    public string Version { get; }

    public IReadOnlyList<AudioHostApi> HostApis
    {
        get
        {
            int n = Pa_GetHostApiCount(), def = Pa_GetDefaultHostApi();
            var list = new List<AudioHostApi>(Math.Max(n, 0));
            for (int i = 0; i < n; i++)
            {
                var info = Pa_GetHostApiInfo(i);
                if (info is null) continue;
                list.Add(new AudioHostApi(i, Text(info->Name), info->DeviceCount, info->DefaultInputDevice, info->DefaultOutputDevice, i == def));
            }
            return list;
        }
    }

    public IReadOnlyList<AudioDevice> Devices
    {
        get
        {
            var apis = HostApis;
            int n = Pa_GetDeviceCount(), defIn = Pa_GetDefaultInputDevice(), defOut = Pa_GetDefaultOutputDevice();
            var list = new List<AudioDevice>(Math.Max(n, 0));
            for (int i = 0; i < n; i++)
            {
                var d = Pa_GetDeviceInfo(i);
                if (d is null) continue;
                string api = apis.FirstOrDefault(a => a.Index == d->HostApi)?.Name ?? "?";
                list.Add(new AudioDevice(i, Text(d->Name), d->HostApi, api, d->MaxInputChannels, d->MaxOutputChannels,
                    d->DefaultSampleRate, d->DefaultLowInputLatency, d->DefaultLowOutputLatency, i == defIn, i == defOut));
            }
            return list;
        }
    }

    /// <summary>
    /// Resolves a device: null/"default" is the audio server's default (so PULSE_SOURCE/PULSE_SINK apply
    /// under PulseAudio); an integer is an index; anything else is a case-insensitive name substring,
    /// which must match exactly one device that has channels in the wanted direction.
    /// </summary>
    public AudioDevice Resolve(string? spec, bool input)
    {
        var devices = Devices;
        string dir = input ? "input" : "output";
        bool Usable(AudioDevice d) => input ? d.MaxInputChannels > 0 : d.MaxOutputChannels > 0;
        if (spec is null || spec.Equals("default", StringComparison.OrdinalIgnoreCase))
        {
            int idx = input ? Pa_GetDefaultInputDevice() : Pa_GetDefaultOutputDevice();
            return devices.FirstOrDefault(d => d.Index == idx)
                ?? throw new AudioDeviceException($"No default {dir} device (is an audio server running? see `rtdenoise devices`).");
        }
        if (int.TryParse(spec, out int index))
        {
            var d = devices.FirstOrDefault(x => x.Index == index)
                ?? throw new AudioDeviceException($"No audio device with index {index} (see `rtdenoise devices`).");
            if (!Usable(d)) throw new AudioDeviceException($"Device {index} '{d.Name}' has no {dir} channels.");
            return d;
        }
        var matches = devices.Where(d => Usable(d) && d.Name.Contains(spec, StringComparison.OrdinalIgnoreCase)).ToList();
        var exact = matches.Where(d => d.Name.Equals(spec, StringComparison.OrdinalIgnoreCase)).ToList();
        if (exact.Count == 1) return exact[0];
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new AudioDeviceException($"No {dir} device name contains '{spec}' (see `rtdenoise devices`)."),
            _ => throw new AudioDeviceException($"'{spec}' matches several {dir} devices: {string.Join(", ", matches.Select(m => $"[{m.Index}] {m.Name}"))}; give an index."),
        };
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Pa_Terminate();
    }
}
