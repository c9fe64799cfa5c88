namespace RealtimeDenoise.Training;

public static class Program
{
    public static int Main(string[] args)
    {
        Console.Error.WriteLine("RealtimeDenoise.Training: not implemented yet (issue 4).");
        return 4;
    }
}
