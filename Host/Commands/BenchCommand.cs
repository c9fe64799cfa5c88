using System.Reflection;
using RealtimeDenoise.Host.Bench;
using RealtimeDenoise.Host.Cli;
using RealtimeDenoise.IO;

namespace RealtimeDenoise.Host.Commands;

public sealed class BenchCommand : ICommand
{
    private static readonly IBenchmarkSuite[] Suites = typeof(BenchCommand).Assembly.GetTypes()
        .Where(t => typeof(IBenchmarkSuite).IsAssignableFrom(t) && t is { IsClass: true, IsAbstract: false })
        .Select(t => (IBenchmarkSuite)Activator.CreateInstance(t)!)
        .OrderBy(s => s.Name, StringComparer.Ordinal)
        .ToArray();

    public string Name => "bench";
    public string Summary => "Measure speed: " + string.Join(", ", Suites.Select(s => s.Name));
    public string Usage =>
        "usage: rtdenoise bench [SUITE...] [--quick] [--json] [--out FILE] [--model DIR] [--ort-lib PATH] [--threads N]\n\n" +
        "Suites (default: all):\n" + string.Join("\n", Suites.Select(s => $"  {s.Name,-10} {s.Description}")) + "\n\n" +
        "  --quick        short runs (smoke test, figures are noisy)\n" +
        "  --json         print JSON instead of tables\n" +
        "  --out FILE     also write the JSON report to FILE\n" +
        "  --model DIR    model package (default: the embedded model)\n" +
        "  --ort-lib PATH ONNX Runtime native library\n" +
        "  --threads N    worker threads where a suite uses several (default 1)";

    public int Run(CommandLineArgs args, CancellationToken cancellationToken)
    {
        var options = new BenchOptions(args.Flag("--quick"), args.Option("--model"), args.Option("--ort-lib"), args.Int("--threads", 1, 1, 256));
        bool json = args.Flag("--json");
        string? outFile = args.Option("--out");
        args.ThrowOnUnknown();
        var names = args.Positionals;
        var unknown = names.Where(n => Suites.All(s => s.Name != n)).ToArray();
        if (unknown.Length > 0) throw new UsageException($"Unknown suite(s): {string.Join(", ", unknown)}. Available: {string.Join(", ", Suites.Select(s => s.Name))}.");
        var selected = names.Count == 0 ? Suites : Suites.Where(s => names.Contains(s.Name)).ToArray();

        var report = new BenchReport();
        foreach (var suite in selected)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!json) Console.Error.WriteLine($"bench: running {suite.Name}…");
            suite.Run(options, report, cancellationToken);
        }
        string text = report.ToJson().ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
        if (outFile is not null) AtomicFile.WriteAllText(outFile, text);
        if (json) Console.Out.WriteLine(text);
        else PrintTables(report, Console.Out);
        return ExitCodes.Ok;
    }

    private static void PrintTables(BenchReport report, TextWriter w)
    {
        foreach (var group in report.Rows.GroupBy(r => r.Suite))
        {
            var columns = group.SelectMany(r => r.Metrics.Keys).Distinct().ToArray();
            w.WriteLine();
            w.WriteLine($"## {group.Key}");
            w.WriteLine("| case | " + string.Join(" | ", columns) + " |");
            w.WriteLine("|---|" + string.Concat(columns.Select(_ => "---:|")));
            foreach (var row in group)
                w.WriteLine($"| {row.Case} | " + string.Join(" | ", columns.Select(c => row.Metrics.TryGetValue(c, out var v) ? Format(v) : "")) + " |");
        }
        foreach (var note in report.Notes) w.WriteLine($"note: {note}");
    }

    private static string Format(double v) => Math.Abs(v) >= 1000 ? v.ToString("F0") : Math.Abs(v) >= 10 ? v.ToString("F1") : v.ToString("G3");
}
