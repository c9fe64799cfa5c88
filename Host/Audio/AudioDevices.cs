namespace RealtimeDenoise.Host.Audio;

public sealed record AudioHostApi(int Index, string Name, int DeviceCount, int DefaultInputDevice, int DefaultOutputDevice, bool IsDefault);

public sealed record AudioDevice(
    int Index, string Name, int HostApi, string HostApiName, int MaxInputChannels, int MaxOutputChannels,
    double DefaultSampleRate, double DefaultLowInputLatency, double DefaultLowOutputLatency,
    bool IsDefaultInput, bool IsDefaultOutput);

/// <summary>A device error the user can act on (missing device, refused format, no audio server).</summary>
public sealed class AudioDeviceException(string message) : IOException(message);
