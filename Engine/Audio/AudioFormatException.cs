namespace RealtimeDenoise.Audio;

/// <summary>
/// An audio file that cannot be read (or a format that cannot be written). The message always
/// names the file and the problem, so a batch job can report it and go on to the next file.
/// Derives from <see cref="IOException"/> because <see cref="InvalidDataException"/> is sealed.
/// </summary>
public sealed class AudioFormatException : IOException
{
    public AudioFormatException(string fileName, string problem)
        : base($"{fileName}: {problem}")
    {
        FileName = fileName;
        Problem = problem;
    }

    /// <summary>The file (or stream name) that was being read or written.</summary>
    public string FileName { get; }

    /// <summary>The problem alone, without the file name.</summary>
    public string Problem { get; }
}
