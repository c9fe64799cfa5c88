namespace RealtimeDenoise.Training.Data;

/// <summary>Placeholder until the Engine's WAV reader lands on main.</summary>
public static class WaveAudioLoader
{
    public static float[] Load(string path, int sampleRate) => throw new NotSupportedException($"{path}: WAV reading is not available in this build yet.");
}
