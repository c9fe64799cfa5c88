using System.Globalization;

namespace RealtimeDenoise.Host.Cli;

/// <summary>
/// Minimal, strict GNU-style parser: positionals, `--name value`, `--name=value`, `-o value`, and flags.
/// Every option a command reads is marked as known; <see cref="ThrowOnUnknown"/> then rejects the rest,
/// so a typo is an error instead of being silently ignored.
/// </summary>
public sealed class CommandLineArgs
{
    private readonly List<string> _positionals = [];
    private readonly Dictionary<string, List<string?>> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _known = new(StringComparer.Ordinal);

    public CommandLineArgs(IEnumerable<string> args)
    {
        bool onlyPositionals = false;
        foreach (var arg in args)
        {
            if (onlyPositionals || arg == "-" || !arg.StartsWith('-'))
            {
                _positionals.Add(arg);
                continue;
            }
            if (arg == "--") { onlyPositionals = true; continue; }
            string name = arg, value = null!;
            int eq = arg.IndexOf('=');
            if (eq > 0) { name = arg[..eq]; value = arg[(eq + 1)..]; }
            if (!_options.TryGetValue(name, out var list)) _options[name] = list = [];
            list.Add(eq > 0 ? value : null);
        }
        // Values given as a separate token are attached lazily (we do not know which options are flags yet).
        Raw = args.ToArray();
    }

    private string[] Raw { get; }

    public bool HelpRequested => Flag("--help", "-h");

    /// <summary>True when the flag is present (e.g. `--overwrite`).</summary>
    public bool Flag(params string[] names)
    {
        foreach (var n in names) _known.Add(n);
        return names.Any(_options.ContainsKey);
    }

    /// <summary>Value of an option, or null when absent. Accepts `--name value` and `--name=value`; the last occurrence wins.</summary>
    public string? Option(params string[] names)
    {
        var all = Options(names);
        return all.Count > 0 ? all[^1] : null;
    }

    /// <summary>All values of a repeatable option, in order.</summary>
    public IReadOnlyList<string> Options(params string[] names)
    {
        foreach (var n in names) _known.Add(n);
        var values = new List<string>();
        for (int i = 0; i < Raw.Length; i++)
        {
            string arg = Raw[i];
            if (arg == "--") break;
            int eq = arg.IndexOf('=');
            string name = eq > 0 && arg.StartsWith('-') ? arg[..eq] : arg;
            if (!names.Contains(name)) continue;
            if (eq > 0) { values.Add(arg[(eq + 1)..]); continue; }
            if (i + 1 >= Raw.Length) throw new UsageException($"Option {name} needs a value.");
            values.Add(Raw[i + 1]);
            _consumed.Add(i + 1);
            i++;
        }
        return values;
    }

    private readonly HashSet<int> _consumed = [];

    public int Int(string name, int defaultValue, int min = int.MinValue, int max = int.MaxValue)
    {
        var s = Option(name);
        if (s is null) return defaultValue;
        if (!int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v))
            throw new UsageException($"Option {name} expects an integer, got '{s}'.");
        if (v < min || v > max) throw new UsageException($"Option {name} must be between {min} and {max}, got {v}.");
        return v;
    }

    public double Double(string name, double defaultValue, double min = double.MinValue, double max = double.MaxValue)
    {
        var s = Option(name);
        if (s is null) return defaultValue;
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v))
            throw new UsageException($"Option {name} expects a number, got '{s}'.");
        if (v < min || v > max) throw new UsageException($"Option {name} must be between {min} and {max}, got {v}.");
        return v;
    }

    public T Enum<T>(string name, T defaultValue) where T : struct, System.Enum
    {
        var s = Option(name);
        if (s is null) return defaultValue;
        if (System.Enum.TryParse<T>(s, ignoreCase: true, out var v) && System.Enum.IsDefined(v) && !int.TryParse(s, out _)) return v;
        throw new UsageException($"Option {name} must be one of {string.Join(", ", System.Enum.GetNames<T>().Select(x => x.ToLowerInvariant()))}; got '{s}'.");
    }

    /// <summary>Positional arguments (tokens that are neither options nor option values).</summary>
    public IReadOnlyList<string> Positionals
    {
        get
        {
            var result = new List<string>();
            bool onlyPositionals = false;
            for (int i = 0; i < Raw.Length; i++)
            {
                string a = Raw[i];
                if (onlyPositionals) { result.Add(a); continue; }
                if (a == "--") { onlyPositionals = true; continue; }
                if (_consumed.Contains(i)) continue;
                if (a == "-" || !a.StartsWith('-')) result.Add(a);
            }
            return result;
        }
    }

    /// <summary>Call after reading every option: rejects options the command does not know.</summary>
    public void ThrowOnUnknown()
    {
        foreach (var name in _options.Keys)
            if (!_known.Contains(name))
                throw new UsageException($"Unknown option {name}. See --help.");
    }
}
