namespace RealtimeDenoise.Training.Data;

/// <summary>Reads a file as mono samples at <paramref name="sampleRate"/>; throws when the file cannot be used.</summary>
public delegate float[] MonoAudioLoader(string path, int sampleRate);
