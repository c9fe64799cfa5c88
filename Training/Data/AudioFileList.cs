namespace RealtimeDenoise.Training.Data;

/// <summary>
/// Resolves the training input to an ordered list of WAV files: a folder (searched recursively, sorted by
/// path so the order is the same on every machine), a text list (one path per line, '#' comments), or a
/// CSV with a header whose "file", "path" or "clean" column names the files. Relative paths are taken
/// from the list's folder.
/// </summary>
public static class AudioFileList
{
    public static IReadOnlyList<string> Resolve(string dataPath)
    {
        if (Directory.Exists(dataPath))
        {
            var files = Directory.EnumerateFiles(dataPath, "*", SearchOption.AllDirectories)
                .Where(f => f.EndsWith(".wav", StringComparison.OrdinalIgnoreCase))
                .Select(Path.GetFullPath)
                .OrderBy(f => f, StringComparer.Ordinal)
                .ToArray();
            if (files.Length == 0) throw new InvalidDataException($"{dataPath}: no .wav files found (searched recursively).");
            return files;
        }
        if (!File.Exists(dataPath)) throw new FileNotFoundException($"{dataPath}: no such folder or list file.", dataPath);
        string baseDir = Path.GetDirectoryName(Path.GetFullPath(dataPath))!;
        var lines = File.ReadAllLines(dataPath);
        IEnumerable<string> entries = dataPath.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) ? CsvColumn(lines, dataPath) : PlainLines(lines);
        var list = entries.Select(e => Path.GetFullPath(Path.IsPathRooted(e) ? e : Path.Combine(baseDir, e))).ToArray();
        if (list.Length == 0) throw new InvalidDataException($"{dataPath}: the list names no files.");
        return list;
    }

    private static IEnumerable<string> PlainLines(string[] lines) =>
        lines.Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'));

    private static IEnumerable<string> CsvColumn(string[] lines, string name)
    {
        if (lines.Length == 0) yield break;
        var header = lines[0].Split(',').Select(h => h.Trim().ToLowerInvariant()).ToArray();
        int column = Array.FindIndex(header, h => h is "file" or "path");
        if (column < 0) column = Array.IndexOf(header, "clean");
        if (column < 0) throw new InvalidDataException($"{name}: CSV header has no 'file', 'path' or 'clean' column.");
        foreach (var line in lines.Skip(1))
        {
            if (line.Trim().Length == 0) continue;
            // The path column never contains commas in our lists; quoted fields later in the row do not matter.
            var fields = line.Split(',');
            if (fields.Length <= column) throw new InvalidDataException($"{name}: row '{line}' has no column {column + 1}.");
            yield return fields[column].Trim().Trim('"');
        }
    }
}
