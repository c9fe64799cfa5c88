using RealtimeDenoise.Metrics;

namespace RealtimeDenoise.Engine.Tests.Metrics;

/// <summary>
/// Our metrics on the noisy dev-test inputs against the numbers printed by the reference scorer,
/// stored in metrics_py_noisy_reference.csv (produced once by
/// `/usr/bin/python3 shared/eval/metrics.py --list shared/data/dev-test/list.csv --enhanced-dir noisy --out noisy.csv`,
/// columns id, snr_db, si_sdr, stoi copied for five files; the scorer rounds to 4 decimals).
/// </summary>
public class ReferenceScorerAgreementTests
{
    private const int Rate = 16000;

    public static IEnumerable<(string Id, double SiSdr, double Stoi)> Expected()
    {
        string csv = DevTestData.FindAbove(Path.Combine("tests", "Engine.Tests", "Metrics", "metrics_py_noisy_reference.csv"))
            ?? throw new FileNotFoundException("tests/Engine.Tests/Metrics/metrics_py_noisy_reference.csv not found above the test binary folder.");
        foreach (string line in File.ReadLines(csv).Skip(1).Where(l => l.Length > 0))
        {
            string[] f = line.Split(',');
            yield return (f[0], DevTestData.ParseDouble(f[2]), DevTestData.ParseDouble(f[3]));
        }
    }

    [DevTestFact]
    public void NoisyInputScoresMatchTheReferenceScorer()
    {
        var rows = Expected().ToList();
        Assert.True(rows.Count >= 3, "the reference CSV should list at least three files");
        foreach (var (id, expectedSiSdr, expectedStoi) in rows)
        {
            float[] clean = DevTestData.ReadMono(Path.Combine(DevTestData.Directory!, $"{id}_clean.wav"));
            float[] noisy = DevTestData.ReadMono(Path.Combine(DevTestData.Directory!, $"{id}_noisy.wav"));
            int n = Math.Min(clean.Length, noisy.Length);
            double siSdr = SiSdr.Compute(clean.AsSpan(0, n), noisy.AsSpan(0, n));
            double stoi = Stoi.Compute(clean.AsSpan(0, n), noisy.AsSpan(0, n), Rate);
            Assert.True(Math.Abs(siSdr - expectedSiSdr) <= 0.001, $"{id}: SI-SDR {siSdr:F4} dB vs metrics.py {expectedSiSdr:F4} dB");
            Assert.True(Math.Abs(stoi - expectedStoi) <= 0.005, $"{id}: STOI {stoi:F4} vs metrics.py {expectedStoi:F4}");
        }
    }
}
