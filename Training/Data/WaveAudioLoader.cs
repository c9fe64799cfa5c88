using RealtimeDenoise.Audio;

namespace RealtimeDenoise.Training.Data;

/// <summary>The Engine's WAV reader as a <see cref="MonoAudioLoader"/>: channels averaged to mono, resampled to the model rate.</summary>
public static class WaveAudioLoader
{
    public static float[] Load(string path, int sampleRate) => WaveFileReader.ReadMono(path, sampleRate);
}
