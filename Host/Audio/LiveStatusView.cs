using Spectre.Console;

namespace RealtimeDenoise.Host.Audio;

/// <summary>
/// What `rtdenoise live` shows while running: one refreshed Spectre.Console line on a terminal, plain
/// periodic lines otherwise (logs, scripts). Reads the engine's meters; never touches the audio path.
/// </summary>
public sealed class LiveStatusView(LiveEngine engine, bool interactive, TextWriter plain)
{
    private readonly double[] _recentInputDb = new double[16];
    private int _recentCount;
    private double _inEnergySum, _outEnergySum;
    private long _inCount, _outCount;

    public double LastInputDb { get; private set; } = -120;
    public double LastOutputDb { get; private set; } = -120;
    public double LastAttenuationDb { get; private set; }
    public double NoiseFloorDb { get; private set; } = -120;

    /// <summary>Attenuation over the whole run (input energy / output energy, in dB).</summary>
    public double OverallAttenuationDb =>
        LevelMeter.ToDb(_inEnergySum, _inCount) - LevelMeter.ToDb(_outEnergySum, _outCount);

    /// <summary>Samples the meters (call at a fixed interval) and draws.</summary>
    public void Update(TimeSpan elapsed)
    {
        LastInputDb = engine.InputMeter.TakeDb(out double ie, out long ic);
        LastOutputDb = engine.OutputMeter.TakeDb(out double oe, out long oc);
        _inEnergySum += ie; _inCount += ic; _outEnergySum += oe; _outCount += oc;
        LastAttenuationDb = LastInputDb - LastOutputDb;
        // Noise level: the quietest recent window of the input (speech pauses), a classic minimum-statistics proxy.
        _recentInputDb[_recentCount++ % _recentInputDb.Length] = LastInputDb;
        NoiseFloorDb = _recentInputDb.Take(Math.Min(_recentCount, _recentInputDb.Length)).Min();

        if (interactive)
        {
            string bypass = engine.Bypass ? "[yellow]BYPASS[/]" : "[green]on[/]";
            AnsiConsole.Markup(
                $"\r{elapsed:mm\\:ss} {bypass} in {Meter(LastInputDb)} {LastInputDb,6:0.0} out {Meter(LastOutputDb)} {LastOutputDb,6:0.0} dBFS " +
                $"atten {LastAttenuationDb,5:0.0} dB noise {NoiseFloorDb,6:0.0} latency {engine.Latency.Total * 1000:0} ms " +
                $"xruns {engine.Xruns} cpu {engine.WorkerLoad * 100,3:0}%  [grey](b: bypass, q: quit)[/]   ");
        }
        else
        {
            plain.WriteLine(
                $"live: t={elapsed.TotalSeconds:0.0}s in={LastInputDb:0.0}dBFS out={LastOutputDb:0.0}dBFS atten={LastAttenuationDb:0.0}dB " +
                $"noise={NoiseFloorDb:0.0}dBFS frames={engine.FramesIn} xruns={engine.Xruns} cpu={engine.WorkerLoad * 100:0.0}% bypass={(engine.Bypass ? "on" : "off")}");
        }
    }

    public void EndLine()
    {
        if (interactive) AnsiConsole.WriteLine();
    }

    private static string Meter(double db)
    {
        int bars = (int)Math.Clamp(Math.Round((db + 60) / 6), 0, 10);
        string color = db > -3 ? "red" : db > -12 ? "yellow" : "green";
        return $"[{color}]{new string('|', bars)}[/]{new string('.', 10 - bars)}";
    }
}
