using RealtimeDenoise.Host.Cli;

namespace RealtimeDenoise.Host;

public static class Program
{
    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length == 0 || args[0] is "--help" or "-h" or "help")
        {
            if (args.Length > 1 && CommandCatalog.Find(args[1]) is { } c) { stdout.WriteLine(c.Usage); return ExitCodes.Ok; }
            PrintHelp(stdout);
            return args.Length == 0 ? ExitCodes.Usage : ExitCodes.Ok;
        }
        if (args[0] == "--version")
        {
            stdout.WriteLine($"rtdenoise {typeof(Program).Assembly.GetName().Version}");
            return ExitCodes.Ok;
        }
        var command = CommandCatalog.Find(args[0]);
        if (command is null)
        {
            stderr.WriteLine($"rtdenoise: unknown command '{args[0]}'. Run 'rtdenoise --help' for the list.");
            return ExitCodes.Usage;
        }
        using var shutdown = new ShutdownSignal();
        try
        {
            var parsed = new CommandLineArgs(args.Skip(1));
            if (parsed.HelpRequested) { stdout.WriteLine(command.Usage); return ExitCodes.Ok; }
            return command.Run(parsed, shutdown.Token);
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"rtdenoise {command.Name}: {e.Message}");
            return ExitCodes.Usage;
        }
        catch (OperationCanceledException) when (shutdown.Token.IsCancellationRequested)
        {
            stderr.WriteLine($"rtdenoise {command.Name}: stopped.");
            return ExitCodes.Cancelled;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or NotSupportedException or ArgumentException or DllNotFoundException or InvalidOperationException)
        {
            stderr.WriteLine($"rtdenoise {command.Name}: error: {e.Message}");
            return ExitCodes.Error;
        }
    }

    private static void PrintHelp(TextWriter w)
    {
        w.WriteLine("rtdenoise — real-time speech denoiser (VAE speech prior + NMF noise model)");
        w.WriteLine();
        w.WriteLine("usage: rtdenoise <command> [options]     rtdenoise <command> --help");
        w.WriteLine();
        w.WriteLine("commands:");
        foreach (var c in CommandCatalog.All) w.WriteLine($"  {c.Name,-10} {c.Summary}");
    }
}
