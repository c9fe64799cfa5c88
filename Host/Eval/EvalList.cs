using System.Text;

namespace RealtimeDenoise.Host.Eval;

/// <summary>One noisy/clean pair of an evaluation list; paths are absolute (resolved against the list's folder).</summary>
public sealed record EvalItem(string Id, string CleanPath, string NoisyPath, string NoiseName, string SnrDb, string Speaker);

/// <summary>
/// Reads an evaluation list: a CSV with the header id,clean,noisy,noise_name,snr_db,speaker (any order, extra
/// columns ignored, RFC 4180 quoting), paths relative to the CSV's folder — the format of shared/data/dev-test/list.csv
/// and of the reference scorer shared/eval/metrics.py.
/// </summary>
public static class EvalList
{
    public static readonly string[] RequiredColumns = ["id", "clean", "noisy", "noise_name", "snr_db", "speaker"];

    /// <exception cref="FileNotFoundException">The list does not exist.</exception>
    /// <exception cref="InvalidDataException">The list is empty, lacks a column, has a short row, an empty or duplicate id.</exception>
    public static IReadOnlyList<EvalItem> Read(string path)
    {
        string full = Path.GetFullPath(path);
        if (!File.Exists(full)) throw new FileNotFoundException($"{path}: evaluation list not found.", full);
        string folder = Path.GetDirectoryName(full)!;
        var lines = File.ReadAllLines(full).Select((text, index) => (Text: text, Number: index + 1)).Where(l => l.Text.Trim().Length > 0).ToList();
        if (lines.Count == 0) throw new InvalidDataException($"{path}: the list is empty (expected a header {string.Join(",", RequiredColumns)}).");

        var header = SplitCsvLine(lines[0].Text, path, lines[0].Number).Select(h => h.Trim().TrimStart('\uFEFF')).ToList();
        var missing = RequiredColumns.Where(c => !header.Contains(c)).ToArray();
        if (missing.Length > 0)
            throw new InvalidDataException($"{path}: missing column(s) {string.Join(", ", missing)}; the header must hold {string.Join(",", RequiredColumns)}.");
        int[] at = RequiredColumns.Select(c => header.IndexOf(c)).ToArray();

        var items = new List<EvalItem>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (text, number) in lines.Skip(1))
        {
            var f = SplitCsvLine(text, path, number);
            if (f.Count < header.Count)
                throw new InvalidDataException($"{path}:{number}: {f.Count} field(s), the header has {header.Count}.");
            string id = f[at[0]].Trim();
            if (id.Length == 0) throw new InvalidDataException($"{path}:{number}: empty id.");
            if (id.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0) throw new InvalidDataException($"{path}:{number}: id '{id}' cannot be used in a file name.");
            if (!ids.Add(id)) throw new InvalidDataException($"{path}:{number}: duplicate id '{id}'.");
            items.Add(new EvalItem(id, Path.GetFullPath(f[at[1]].Trim(), folder), Path.GetFullPath(f[at[2]].Trim(), folder),
                f[at[3]].Trim(), f[at[4]].Trim(), f[at[5]].Trim()));
        }
        if (items.Count == 0) throw new InvalidDataException($"{path}: the list has a header but no rows.");
        return items;
    }

    /// <summary>Splits one CSV line; fields may be quoted with "…" and contain "" for a quote.</summary>
    private static List<string> SplitCsvLine(string line, string path, int number)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"') { field.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else field.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { fields.Add(field.ToString()); field.Clear(); }
            else field.Append(c);
        }
        if (quoted) throw new InvalidDataException($"{path}:{number}: unterminated quoted field.");
        fields.Add(field.ToString());
        return fields;
    }
}
