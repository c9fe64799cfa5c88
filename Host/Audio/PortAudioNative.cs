using System.Runtime.InteropServices;

namespace RealtimeDenoise.Host.Audio;

/// <summary>
/// Raw P/Invoke declarations for PortAudio v19 (Debian package libportaudio2, library libportaudio.so.2).
/// Struct layouts follow portaudio.h; PaSampleFormat, PaStreamFlags and PaStreamCallbackFlags are C
/// `unsigned long` (64-bit on Linux x64), PaTime is double.
/// </summary>
internal static unsafe partial class PortAudioNative
{
    private const string Library = "libportaudio.so.2";

    public const int NoDevice = -1;
    public const ulong SampleFormatFloat32 = 0x00000001;
    public const ulong StreamFlagClipOff = 0x00000001;
    public const ulong StreamFlagDitherOff = 0x00000002;
    public const ulong StatusInputUnderflow = 0x1, StatusInputOverflow = 0x2, StatusOutputUnderflow = 0x4, StatusOutputOverflow = 0x8;
    public const int CallbackContinue = 0;
    public const int ErrorTimedOut = -9987;

    [StructLayout(LayoutKind.Sequential)]
    public struct PaHostApiInfo
    {
        public int StructVersion;
        public int Type;
        public byte* Name;
        public int DeviceCount;
        public int DefaultInputDevice;
        public int DefaultOutputDevice;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct PaDeviceInfo
    {
        public int StructVersion;
        public byte* Name;
        public int HostApi;
        public int MaxInputChannels;
        public int MaxOutputChannels;
        public double DefaultLowInputLatency;
        public double DefaultLowOutputLatency;
        public double DefaultHighInputLatency;
        public double DefaultHighOutputLatency;
        public double DefaultSampleRate;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct PaStreamParameters
    {
        public int Device;
        public int ChannelCount;
        public nuint SampleFormat;
        public double SuggestedLatency;
        public void* HostApiSpecificStreamInfo;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct PaStreamCallbackTimeInfo
    {
        public double InputBufferAdcTime;
        public double CurrentTime;
        public double OutputBufferDacTime;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct PaStreamInfo
    {
        public int StructVersion;
        public double InputLatency;
        public double OutputLatency;
        public double SampleRate;
    }

    [LibraryImport(Library)] public static partial int Pa_Initialize();
    [LibraryImport(Library)] public static partial int Pa_Terminate();
    [LibraryImport(Library)] public static partial byte* Pa_GetVersionText();
    [LibraryImport(Library)] public static partial byte* Pa_GetErrorText(int error);
    [LibraryImport(Library)] public static partial int Pa_GetHostApiCount();
    [LibraryImport(Library)] public static partial int Pa_GetDefaultHostApi();
    [LibraryImport(Library)] public static partial PaHostApiInfo* Pa_GetHostApiInfo(int hostApi);
    [LibraryImport(Library)] public static partial int Pa_GetDeviceCount();
    [LibraryImport(Library)] public static partial int Pa_GetDefaultInputDevice();
    [LibraryImport(Library)] public static partial int Pa_GetDefaultOutputDevice();
    [LibraryImport(Library)] public static partial PaDeviceInfo* Pa_GetDeviceInfo(int device);
    [LibraryImport(Library)] public static partial int Pa_IsFormatSupported(PaStreamParameters* input, PaStreamParameters* output, double sampleRate);

    [LibraryImport(Library)]
    public static partial int Pa_OpenStream(nint* stream, PaStreamParameters* input, PaStreamParameters* output, double sampleRate,
        nuint framesPerBuffer, nuint streamFlags,
        delegate* unmanaged<void*, void*, nuint, PaStreamCallbackTimeInfo*, nuint, void*, int> callback, void* userData);

    [LibraryImport(Library)] public static partial int Pa_StartStream(nint stream);
    [LibraryImport(Library)] public static partial int Pa_StopStream(nint stream);
    [LibraryImport(Library)] public static partial int Pa_AbortStream(nint stream);
    [LibraryImport(Library)] public static partial int Pa_CloseStream(nint stream);
    [LibraryImport(Library)] public static partial int Pa_IsStreamActive(nint stream);
    [LibraryImport(Library)] public static partial PaStreamInfo* Pa_GetStreamInfo(nint stream);
    [LibraryImport(Library)] public static partial double Pa_GetStreamCpuLoad(nint stream);

    public static string Text(byte* s) => s is null ? "" : Marshal.PtrToStringUTF8((nint)s) ?? "";

    public static string ErrorText(int error) => Text(Pa_GetErrorText(error));
}
