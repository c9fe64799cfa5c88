using System.Text.RegularExpressions;

namespace RealtimeDenoise.Host.Pipeline;

/// <summary>One file to denoise: where from, where to, and how to name it in messages.</summary>
public sealed record FileJob(string Input, string Output, string Display);

/// <summary>
/// Turns `denoise IN... -o OUT` into file jobs. A folder input is searched recursively for files matching
/// the glob (default *.wav) and mirrored under OUT; a single file input may name an output file. Output
/// paths that are inputs (after resolving links), or that two inputs would share, are refused.
/// </summary>
public static class JobPlanner
{
    public static IReadOnlyList<FileJob> Plan(IReadOnlyList<string> inputs, string output, string glob = "*.wav")
    {
        if (inputs.Count == 0) throw new ArgumentException("no input given");
        var pattern = GlobToRegex(glob);
        bool singleFile = inputs.Count == 1 && File.Exists(inputs[0]);
        bool outputIsFolder = !singleFile || Directory.Exists(output) || output.EndsWith('/') || output.EndsWith(Path.DirectorySeparatorChar);
        var jobs = new List<FileJob>();
        foreach (var input in inputs)
        {
            if (File.Exists(input))
            {
                string target = outputIsFolder ? Path.Combine(output, Path.GetFileName(input)) : output;
                jobs.Add(new FileJob(Path.GetFullPath(input), Path.GetFullPath(target), input));
            }
            else if (Directory.Exists(input))
            {
                string root = Path.GetFullPath(input);
                // An output folder inside the input folder is not read back as input (on a second run).
                string outRoot = Path.TrimEndingDirectorySeparator(Path.GetFullPath(output)) + Path.DirectorySeparatorChar;
                var files = Directory.EnumerateFiles(root, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = 0 })
                    .Where(f => pattern.IsMatch(Path.GetFileName(f)) && !f.StartsWith(outRoot, StringComparison.Ordinal))
                    .Order(StringComparer.Ordinal);
                foreach (var f in files)
                {
                    string relative = Path.GetRelativePath(root, f);
                    jobs.Add(new FileJob(f, Path.GetFullPath(Path.Combine(output, relative)), Path.Combine(input, relative)));
                }
            }
            else throw new FileNotFoundException($"input '{input}' does not exist");
        }

        var inputSet = new HashSet<string>(jobs.Select(j => Canonical(j.Input)), StringComparer.Ordinal);
        foreach (var j in jobs)
            if (inputSet.Contains(Canonical(j.Output)))
                throw new ArgumentException($"output '{j.Output}' is an input file; choose another output (inputs are never overwritten)");
        var duplicate = jobs.GroupBy(j => Canonical(j.Output), StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new ArgumentException($"several inputs would be written to '{duplicate.Key}': {string.Join(", ", duplicate.Select(j => j.Display))}");
        return jobs;
    }

    /// <summary>Full path with symbolic links resolved (for the file and its folders), so two names of one file compare equal.</summary>
    public static string Canonical(string path)
    {
        string full = Path.GetFullPath(path);
        try
        {
            if (File.Exists(full) && new FileInfo(full).ResolveLinkTarget(returnFinalTarget: true) is { } target) full = target.FullName;
            string? dir = Path.GetDirectoryName(full);
            if (dir is not null && Directory.Exists(dir))
            {
                var d = new DirectoryInfo(dir);
                string resolvedDir = RealDirectory(d);
                full = Path.Combine(resolvedDir, Path.GetFileName(full));
            }
        }
        catch (IOException) { }
        return full;
    }

    private static string RealDirectory(DirectoryInfo d)
    {
        if (d.Parent is null) return d.FullName;
        string parent = RealDirectory(d.Parent);
        var here = new DirectoryInfo(Path.Combine(parent, d.Name));
        return here.LinkTarget is not null && here.ResolveLinkTarget(returnFinalTarget: true) is { } t ? RealDirectory(new DirectoryInfo(t.FullName)) : here.FullName;
    }

    private static Regex GlobToRegex(string glob) =>
        new("^" + Regex.Escape(glob).Replace(@"\*", ".*").Replace(@"\?", ".") + "$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
}
