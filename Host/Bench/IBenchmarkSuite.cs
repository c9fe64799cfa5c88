using System.Text.Json.Nodes;

namespace RealtimeDenoise.Host.Bench;

/// <summary>
/// One group of measurements in `rtdenoise bench` (e.g. "stft", "models", "enhance").
/// Discovered by reflection: add a class with a public parameterless constructor under Host/Bench.
/// </summary>
public interface IBenchmarkSuite
{
    string Name { get; }
    string Description { get; }
    /// <summary>Runs the measurements and adds rows to <paramref name="report"/>.</summary>
    void Run(BenchOptions options, BenchReport report, CancellationToken cancellationToken);
}

/// <summary>Common knobs: <see cref="Quick"/> shortens every measurement (used by tests), <see cref="Model"/> picks a model package.</summary>
public sealed record BenchOptions(bool Quick, string? Model, string? OrtLibrary, int Threads);

/// <summary>Rows of named metrics, printed as a table per suite and as JSON with --json.</summary>
public sealed class BenchReport
{
    public List<(string Suite, string Case, Dictionary<string, double> Metrics)> Rows { get; } = [];
    public List<string> Notes { get; } = [];

    public void Add(string suite, string caseName, Dictionary<string, double> metrics) => Rows.Add((suite, caseName, metrics));

    public JsonObject ToJson()
    {
        var rows = new JsonArray();
        foreach (var (suite, name, metrics) in Rows)
        {
            var m = new JsonObject();
            foreach (var (k, v) in metrics) m[k] = double.IsFinite(v) ? v : null;
            rows.Add(new JsonObject { ["suite"] = suite, ["case"] = name, ["metrics"] = m });
        }
        return new JsonObject
        {
            ["machine"] = new JsonObject
            {
                ["cores"] = Environment.ProcessorCount,
                ["os"] = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
                ["runtime"] = System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription,
            },
            ["rows"] = rows,
            ["notes"] = new JsonArray(Notes.Select(n => (JsonNode?)n).ToArray()),
        };
    }
}
