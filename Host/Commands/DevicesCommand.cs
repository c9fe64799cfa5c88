using RealtimeDenoise.Host.Audio;
using RealtimeDenoise.Host.Cli;

namespace RealtimeDenoise.Host.Commands;

public sealed class DevicesCommand : ICommand
{
    public string Name => "devices";
    public string Summary => "List audio host APIs and devices (PortAudio) for `rtdenoise live`";
    public string Usage =>
        "usage: rtdenoise devices [--json]\n\n" +
        "Lists PortAudio host APIs and devices: index, name, channels in/out, default sample rate and\n" +
        "low latency. `rtdenoise live --input/--output` accept an index or a name substring.\n" +
        "Marks: '>' default input, '<' default output (they follow the audio server; under PulseAudio\n" +
        "PULSE_SOURCE / PULSE_SINK select them).\n\n" +
        "  --json   machine-readable output";

    public int Run(CommandLineArgs args, CancellationToken cancellationToken)
    {
        bool json = args.Flag("--json");
        args.ThrowOnUnknown();
        if (args.Positionals.Count > 0) throw new UsageException("devices takes no arguments.");
        try
        {
            using var pa = new PortAudioSystem();
            var apis = pa.HostApis;
            var devices = pa.Devices;
            if (json)
            {
                var root = new System.Text.Json.Nodes.JsonObject
                {
                    ["portaudio"] = pa.Version,
                    ["hostApis"] = new System.Text.Json.Nodes.JsonArray(apis.Select(a => (System.Text.Json.Nodes.JsonNode)new System.Text.Json.Nodes.JsonObject
                    {
                        ["index"] = a.Index, ["name"] = a.Name, ["devices"] = a.DeviceCount, ["default"] = a.IsDefault,
                    }).ToArray()),
                    ["devices"] = new System.Text.Json.Nodes.JsonArray(devices.Select(d => (System.Text.Json.Nodes.JsonNode)new System.Text.Json.Nodes.JsonObject
                    {
                        ["index"] = d.Index, ["name"] = d.Name, ["hostApi"] = d.HostApiName,
                        ["inputs"] = d.MaxInputChannels, ["outputs"] = d.MaxOutputChannels,
                        ["sampleRate"] = d.DefaultSampleRate, ["lowInputLatency"] = d.DefaultLowInputLatency,
                        ["lowOutputLatency"] = d.DefaultLowOutputLatency,
                        ["defaultInput"] = d.IsDefaultInput, ["defaultOutput"] = d.IsDefaultOutput,
                    }).ToArray()),
                };
                Console.Out.WriteLine(root.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
                return ExitCodes.Ok;
            }
            var w = Console.Out;
            w.WriteLine(pa.Version);
            w.WriteLine();
            w.WriteLine("host APIs:");
            foreach (var a in apis) w.WriteLine($"  {(a.IsDefault ? "*" : " ")} [{a.Index}] {a.Name} ({a.DeviceCount} devices)");
            w.WriteLine();
            w.WriteLine("devices:   idx  in out     rate  low-latency in/out  name");
            foreach (var d in devices)
            {
                string mark = (d.IsDefaultInput ? ">" : " ") + (d.IsDefaultOutput ? "<" : " ");
                w.WriteLine($"       {mark} {d.Index,4} {d.MaxInputChannels,3} {d.MaxOutputChannels,3} {d.DefaultSampleRate,8:0} {d.DefaultLowInputLatency * 1000,7:0.0}/{d.DefaultLowOutputLatency * 1000,-6:0.0} ms  {d.Name} ({d.HostApiName})");
            }
            if (devices.Count == 0) w.WriteLine("  (none: no audio server or sound card was found)");
            return ExitCodes.Ok;
        }
        catch (AudioDeviceException e)
        {
            Console.Error.WriteLine($"rtdenoise devices: {e.Message}");
            return ExitCodes.Error;
        }
    }
}
