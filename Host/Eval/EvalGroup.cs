using System.Globalization;

namespace RealtimeDenoise.Host.Eval;

/// <summary>Mean scores of a group of files (NaN values, i.e. failed metrics, are left out of each mean).</summary>
public sealed record EvalGroup(string Name, int Files, int Succeeded, double SiSdr, double SiSdrImprovement, double SiSdrNoisy,
    double SegSnr, double SegSnrNoisy, double Stoi, double StoiNoisy, double RealTimeFactor, double MeanAbsLag)
{
    /// <summary>Groups: ALL, then one per input SNR (numeric order), then one per noise type (alphabetical).</summary>
    public static IReadOnlyList<EvalGroup> Summarize(IReadOnlyList<EvalFileResult> results)
    {
        var groups = new List<EvalGroup> { Of("ALL", results) };
        groups.AddRange(results.GroupBy(r => r.Item.SnrDb)
            .OrderBy(g => double.TryParse(g.Key, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? (0, v, "") : (1, 0.0, g.Key))
            .Select(g => Of($"snr={g.Key}", g.ToList())));
        groups.AddRange(results.GroupBy(r => r.Item.NoiseName).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => Of($"noise={g.Key}", g.ToList())));
        return groups;
    }

    private static EvalGroup Of(string name, IReadOnlyList<EvalFileResult> rs)
    {
        // RTF of a group: total processing time over total audio time (long files weigh more, as in real use).
        double processing = rs.Where(r => double.IsFinite(r.ProcessingSeconds)).Sum(r => r.ProcessingSeconds);
        double duration = rs.Where(r => double.IsFinite(r.ProcessingSeconds)).Sum(r => r.DurationSeconds);
        return new EvalGroup(name, rs.Count, rs.Count(r => !r.Failed),
            Mean(rs, r => r.SiSdr), Mean(rs, r => r.SiSdrImprovement), Mean(rs, r => r.SiSdrNoisy),
            Mean(rs, r => r.SegSnr), Mean(rs, r => r.SegSnrNoisy), Mean(rs, r => r.Stoi), Mean(rs, r => r.StoiNoisy),
            duration > 0 ? processing / duration : double.NaN, Mean(rs, r => r.Lag is int l ? Math.Abs(l) : double.NaN));
    }

    private static double Mean(IEnumerable<EvalFileResult> rs, Func<EvalFileResult, double> value)
    {
        var finite = rs.Select(value).Where(double.IsFinite).ToList();
        return finite.Count > 0 ? finite.Average() : double.NaN;
    }

    /// <summary>Prints the groups as an aligned text table.</summary>
    public static void PrintTable(IReadOnlyList<EvalGroup> groups, TextWriter w)
    {
        string header = $"{"group",-22}{"n",4}{"ok",4}{"SI-SDR",8}{"SI-SDRi",8}{"inSDR",8}{"segSNR",8}{"STOI",7}{"STOIin",7}{"ΔSTOI",7}{"RTF",7}{"|lag|",6}";
        w.WriteLine(header);
        w.WriteLine(new string('-', header.Length));
        string? previousKind = null;
        foreach (var g in groups)
        {
            string kind = g.Name.Split('=')[0];
            if (previousKind is not null && kind != previousKind) w.WriteLine(new string('-', header.Length));
            previousKind = kind;
            string name = g.Name.Length > 21 ? g.Name[..21] : g.Name;
            w.WriteLine($"{name,-22}{g.Files,4}{g.Succeeded,4}{F(g.SiSdr, 2),8}{F(g.SiSdrImprovement, 2),8}{F(g.SiSdrNoisy, 2),8}{F(g.SegSnr, 2),8}" +
                        $"{F(g.Stoi, 3),7}{F(g.StoiNoisy, 3),7}{F(g.Stoi - g.StoiNoisy, 3),7}{F(g.RealTimeFactor, 3),7}{F(g.MeanAbsLag, 1),6}");
        }
        w.WriteLine("(SI-SDR, SI-SDRi, inSDR = SI-SDR of the noisy input, segSNR: dB; STOIin = STOI of the noisy input;");
        w.WriteLine(" RTF = processing time / audio duration, per worker; |lag| = mean residual delay in samples after latency compensation)");
    }

    internal static string F(double v, int decimals) => double.IsFinite(v) ? v.ToString("F" + decimals, CultureInfo.InvariantCulture) : "n/a";
}
