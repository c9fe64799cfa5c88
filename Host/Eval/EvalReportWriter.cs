using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using RealtimeDenoise.IO;

namespace RealtimeDenoise.Host.Eval;

/// <summary>Writes per-file results and group means as CSV (per-file rows, like metrics.py) or JSON (settings, groups and files), atomically.</summary>
public static class EvalReportWriter
{
    public static readonly string[] CsvColumns =
    [
        "id", "noise_name", "snr_db", "speaker", "samples", "trimmed", "lag", "si_sdr", "si_sdr_noisy", "si_sdri",
        "seg_snr", "seg_snr_noisy", "stoi", "stoi_noisy", "processing_s", "duration_s", "rtf", "error",
    ];

    /// <summary>Chooses the format from the extension (.csv or .json).</summary>
    /// <exception cref="ArgumentException">Any other extension.</exception>
    public static void Write(string path, IReadOnlyList<EvalFileResult> results, IReadOnlyList<EvalGroup> groups, IReadOnlyDictionary<string, string> settings)
    {
        string text = Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".csv" => ToCsv(results),
            ".json" => ToJson(results, groups, settings),
            _ => throw new ArgumentException($"{path}: output must end in .csv or .json."),
        };
        AtomicFile.WriteAllText(path, text);
    }

    public static string ToCsv(IReadOnlyList<EvalFileResult> results)
    {
        var sb = new StringBuilder();
        sb.AppendLine(string.Join(",", CsvColumns));
        foreach (var r in results)
        {
            string[] fields =
            [
                r.Item.Id, r.Item.NoiseName, r.Item.SnrDb, r.Item.Speaker, r.Samples.ToString(CultureInfo.InvariantCulture),
                r.TrimmedSamples.ToString(CultureInfo.InvariantCulture), r.Lag?.ToString(CultureInfo.InvariantCulture) ?? "",
                N(r.SiSdr), N(r.SiSdrNoisy), N(r.SiSdrImprovement), N(r.SegSnr), N(r.SegSnrNoisy), N(r.Stoi), N(r.StoiNoisy),
                N(r.ProcessingSeconds), N(r.DurationSeconds), N(r.RealTimeFactor), r.Error,
            ];
            sb.AppendLine(string.Join(",", fields.Select(Quote)));
        }
        return sb.ToString();
    }

    public static string ToJson(IReadOnlyList<EvalFileResult> results, IReadOnlyList<EvalGroup> groups, IReadOnlyDictionary<string, string> settings)
    {
        var root = new JsonObject
        {
            ["settings"] = new JsonObject(settings.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)JsonValue.Create(kv.Value)))),
            ["groups"] = new JsonArray(groups.Select(g => (JsonNode?)new JsonObject
            {
                ["group"] = g.Name, ["files"] = g.Files, ["ok"] = g.Succeeded,
                ["si_sdr"] = J(g.SiSdr), ["si_sdri"] = J(g.SiSdrImprovement), ["si_sdr_noisy"] = J(g.SiSdrNoisy),
                ["seg_snr"] = J(g.SegSnr), ["seg_snr_noisy"] = J(g.SegSnrNoisy),
                ["stoi"] = J(g.Stoi), ["stoi_noisy"] = J(g.StoiNoisy), ["rtf"] = J(g.RealTimeFactor), ["mean_abs_lag"] = J(g.MeanAbsLag),
            }).ToArray()),
            ["files"] = new JsonArray(results.Select(r => (JsonNode?)new JsonObject
            {
                ["id"] = r.Item.Id, ["noise_name"] = r.Item.NoiseName, ["snr_db"] = r.Item.SnrDb, ["speaker"] = r.Item.Speaker,
                ["samples"] = r.Samples, ["trimmed"] = r.TrimmedSamples, ["lag"] = r.Lag,
                ["si_sdr"] = J(r.SiSdr), ["si_sdr_noisy"] = J(r.SiSdrNoisy), ["si_sdri"] = J(r.SiSdrImprovement),
                ["seg_snr"] = J(r.SegSnr), ["seg_snr_noisy"] = J(r.SegSnrNoisy), ["stoi"] = J(r.Stoi), ["stoi_noisy"] = J(r.StoiNoisy),
                ["processing_s"] = J(r.ProcessingSeconds), ["duration_s"] = J(r.DurationSeconds), ["rtf"] = J(r.RealTimeFactor),
                ["enhanced"] = r.EnhancedPath, ["error"] = r.Failed ? r.Error : null,
                ["warnings"] = new JsonArray(r.Warnings.Select(w => (JsonNode?)JsonValue.Create(w)).ToArray()),
            }).ToArray()),
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    // NaN/Inf never reach an output: they become an empty CSV field / JSON null.
    private static string N(double v) => double.IsFinite(v) ? v.ToString("F4", CultureInfo.InvariantCulture) : "";

    private static JsonNode? J(double v) => double.IsFinite(v) ? JsonValue.Create(Math.Round(v, 6)) : null;

    private static string Quote(string field) =>
        field.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + field.Replace("\"", "\"\"") + "\"" : field;
}
