namespace RealtimeDenoise.Host.Eval;

/// <summary>
/// Scores of one evaluated pair. Metric values are NaN when they could not be computed (see <see cref="Error"/>).
/// SI-SDR and segmental SNR in dB, STOI in [−1, 1]; "Noisy" values score the unprocessed input against the clean
/// reference. <see cref="Lag"/> is the delay (samples) of the enhanced signal relative to the clean one found by
/// cross-correlation after latency compensation: 0 when the enhancer reports its latency correctly.
/// </summary>
public sealed class EvalFileResult(EvalItem item)
{
    public EvalItem Item { get; } = item;
    public int Samples { get; set; }
    public int TrimmedSamples { get; set; }
    public double DurationSeconds { get; set; } = double.NaN;
    public double ProcessingSeconds { get; set; } = double.NaN;
    public int? Lag { get; set; }
    public double SiSdr { get; set; } = double.NaN;
    public double SiSdrNoisy { get; set; } = double.NaN;
    public double SiSdrImprovement => SiSdr - SiSdrNoisy;
    public double SegSnr { get; set; } = double.NaN;
    public double SegSnrNoisy { get; set; } = double.NaN;
    public double Stoi { get; set; } = double.NaN;
    public double StoiNoisy { get; set; } = double.NaN;
    public string? EnhancedPath { get; set; }
    public List<string> Errors { get; } = [];
    public List<string> Warnings { get; } = [];

    public bool Failed => Errors.Count > 0;
    public string Error => string.Join("; ", Errors);

    /// <summary>Processing wall time over audio duration (per core: each worker processes one file at a time).</summary>
    public double RealTimeFactor => ProcessingSeconds / DurationSeconds;
}
