using RealtimeDenoise.Host.Cli;

namespace RealtimeDenoise.Host.Commands;

public sealed class DenoiseCommand : ICommand
{
    public string Name => "denoise";
    public string Summary => "Clean audio files offline (files or folders) [not implemented yet]";
    public string Usage => "usage: rtdenoise denoise ...\n\nNot implemented yet (tracked in issue 6).";

    public int Run(CommandLineArgs args, CancellationToken cancellationToken)
    {
        Console.Error.WriteLine("rtdenoise denoise: not implemented yet (issue 6).");
        return ExitCodes.NotImplemented;
    }
}
