namespace RealtimeDenoise.Host.Cli;

/// <summary>Writes small text outputs (reports, JSON) through a temp file and a rename, so readers never see half a file.</summary>
public static class AtomicText
{
    public static void Write(string path, string text)
    {
        string full = Path.GetFullPath(path);
        string tmp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
        File.WriteAllText(tmp, text);
        File.Move(tmp, full, overwrite: true);
    }
}
