using RealtimeDenoise.Host.Cli;
using RealtimeDenoise.Training.Run;

namespace RealtimeDenoise.Host.Commands;

/// <summary>`rtdenoise train …`: the same entry point as `dotnet run --project Training -- train …`.</summary>
public sealed class TrainCommand : ICommand
{
    public string Name => "train";
    public string Summary => "Train a VAE speech model on a folder of clean speech and export ONNX";
    public string Usage => "usage: rtdenoise " + TrainCommandLine.TrainUsage["usage: ".Length..];

    public int Run(CommandLineArgs args, CancellationToken cancellationToken)
    {
        // Re-assemble the options this host parsed into the trainer's argument list, so both entry points share one parser.
        var forwarded = new List<string>();
        foreach (var name in TrainCommandLine.TrainValueOptions)
            if (args.Option(name) is { } value) forwarded.AddRange([name, value]);
        if (args.Flag("--resume")) forwarded.Add("--resume");
        args.ThrowOnUnknown();
        if (args.Positionals.Count > 0) throw new UsageException($"unexpected argument '{args.Positionals[0]}'.");
        return TrainCommandLine.Execute(["train", .. forwarded], Console.Out, Console.Error, cancellationToken) switch
        {
            TrainCommandLine.ExitOk => ExitCodes.Ok,
            TrainCommandLine.ExitUsage => ExitCodes.Usage,
            TrainCommandLine.ExitCancelled => ExitCodes.Cancelled,
            _ => ExitCodes.Error,
        };
    }
}
