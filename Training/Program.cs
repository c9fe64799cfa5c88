using System.Runtime.InteropServices;
using RealtimeDenoise.Training.Run;

namespace RealtimeDenoise.Training;

public static class Program
{
    public static int Main(string[] args)
    {
        using var cts = new CancellationTokenSource();
        // Ctrl-C / SIGTERM: let the trainer save a checkpoint and return instead of dying mid-write.
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; cts.Cancel(); });
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; cts.Cancel(); });
        return TrainCommandLine.Execute(args, Console.Out, Console.Error, cts.Token);
    }
}
