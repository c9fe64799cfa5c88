using RealtimeDenoise.Host.Cli;

namespace RealtimeDenoise.Host.Commands;

public sealed class TrainCommand : ICommand
{
    public string Name => "train";
    public string Summary => "Train a VAE speech model on a folder of clean speech and export ONNX [not implemented yet]";
    public string Usage => "usage: rtdenoise train ...\n\nNot implemented yet (tracked in issue 4).";

    public int Run(CommandLineArgs args, CancellationToken cancellationToken)
    {
        Console.Error.WriteLine("rtdenoise train: not implemented yet (issue 4).");
        return ExitCodes.NotImplemented;
    }
}
