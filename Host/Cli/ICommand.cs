namespace RealtimeDenoise.Host.Cli;

/// <summary>
/// One `rtdenoise` sub-command. Implementations are discovered by reflection, so adding a command
/// means adding one file under Host/Commands; they need a public parameterless constructor.
/// </summary>
public interface ICommand
{
    string Name { get; }
    string Summary { get; }
    /// <summary>Full usage text printed by `rtdenoise NAME --help`.</summary>
    string Usage { get; }
    /// <summary>Runs the command and returns the process exit code (see <see cref="ExitCodes"/>).</summary>
    int Run(CommandLineArgs args, CancellationToken cancellationToken);
}

public static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>The command ran but some items (files) failed.</summary>
    public const int PartialFailure = 1;
    /// <summary>Bad command line.</summary>
    public const int Usage = 2;
    /// <summary>Input or environment error (missing file, bad model, device error).</summary>
    public const int Error = 3;
    /// <summary>Feature not available yet.</summary>
    public const int NotImplemented = 4;
    /// <summary>Stopped by Ctrl-C / SIGTERM.</summary>
    public const int Cancelled = 130;
}

/// <summary>An error the user can fix; printed as one line without a stack trace.</summary>
public sealed class UsageException(string message) : Exception(message);
