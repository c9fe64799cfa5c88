using RealtimeDenoise.Host.Cli;

namespace RealtimeDenoise.Host.Commands;

public sealed class LiveCommand : ICommand
{
    public string Name => "live";
    public string Summary => "Denoise a microphone live (PortAudio) [not implemented yet]";
    public string Usage => "usage: rtdenoise live ...\n\nNot implemented yet (tracked in issue 6).";

    public int Run(CommandLineArgs args, CancellationToken cancellationToken)
    {
        Console.Error.WriteLine("rtdenoise live: not implemented yet (issue 6).");
        return ExitCodes.NotImplemented;
    }
}
