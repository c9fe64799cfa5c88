using RealtimeDenoise.Host.Cli;

namespace RealtimeDenoise.Host.Commands;

public sealed class EvalCommand : ICommand
{
    public string Name => "eval";
    public string Summary => "Score the enhancer on a list of noisy/clean pairs (SI-SDR, STOI) [not implemented yet]";
    public string Usage => "usage: rtdenoise eval ...\n\nNot implemented yet (tracked in issue 5).";

    public int Run(CommandLineArgs args, CancellationToken cancellationToken)
    {
        Console.Error.WriteLine("rtdenoise eval: not implemented yet (issue 5).");
        return ExitCodes.NotImplemented;
    }
}
