using RealtimeDenoise.Host.Cli;

namespace RealtimeDenoise.Host.Commands;

public sealed class DevicesCommand : ICommand
{
    public string Name => "devices";
    public string Summary => "List audio host APIs and devices [not implemented yet]";
    public string Usage => "usage: rtdenoise devices ...\n\nNot implemented yet (tracked in issue 6).";

    public int Run(CommandLineArgs args, CancellationToken cancellationToken)
    {
        Console.Error.WriteLine("rtdenoise devices: not implemented yet (issue 6).");
        return ExitCodes.NotImplemented;
    }
}
