using System.Globalization;

namespace RealtimeDenoise.Training.Run;

/// <summary>An error in the command line: printed as one line, exit code 2.</summary>
public sealed class CommandLineException(string message) : Exception(message);

/// <summary>
/// Strict `--name value` / `--name=value` / `--flag` parsing for the trainer's commands. Every name a command
/// accepts is declared up front, so unknown options are errors rather than silently ignored.
/// </summary>
public sealed class CommandOptions
{
    private readonly Dictionary<string, string?> _values = new(StringComparer.Ordinal);

    public CommandOptions(IReadOnlyList<string> args, IReadOnlyCollection<string> valueOptions, IReadOnlyCollection<string> flags)
    {
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            int eq = arg.IndexOf('=');
            string name = arg.StartsWith("--") && eq > 0 ? arg[..eq] : arg;
            if (flags.Contains(name) && eq < 0) { _values[name] = null; continue; }
            if (!valueOptions.Contains(name))
                throw new CommandLineException(arg.StartsWith('-') ? $"unknown option {name}" : $"unexpected argument '{arg}'");
            if (eq > 0) _values[name] = arg[(eq + 1)..];
            else if (i + 1 < args.Count) _values[name] = args[++i];
            else throw new CommandLineException($"option {name} needs a value");
        }
    }

    public bool Flag(string name) => _values.ContainsKey(name);
    public string? String(string name) => _values.GetValueOrDefault(name);
    public string Required(string name) => String(name) ?? throw new CommandLineException($"{name} is required");

    public int Int(string name, int fallback, int min = int.MinValue, int max = int.MaxValue)
    {
        var s = String(name);
        if (s is null) return fallback;
        if (!int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v)) throw new CommandLineException($"{name} expects an integer, got '{s}'");
        if (v < min || v > max) throw new CommandLineException($"{name} must be between {min} and {max}, got {v}");
        return v;
    }

    public double Double(string name, double fallback, double min = double.MinValue, double max = double.MaxValue)
    {
        var s = String(name);
        if (s is null) return fallback;
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v)) throw new CommandLineException($"{name} expects a number, got '{s}'");
        if (v < min || v > max) throw new CommandLineException($"{name} must be between {min} and {max}, got {v}");
        return v;
    }
}
