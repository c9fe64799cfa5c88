namespace RealtimeDenoise.Engine.Tests;

/// <summary>
/// Bytes the steady state of some code allocates on the calling thread: the fewest over several rounds. The JIT
/// (tiering, on-stack replacement) can allocate on the calling thread during any one round, which made single-round
/// checks fail now and then on the loaded 2-core CI machine; an allocation the code itself makes shows in every round.
/// </summary>
internal static class AllocationProbe
{
    public static long SteadyStateBytes(Action round, int rounds = 5)
    {
        round(); // first call may JIT and size buffers
        long fewest = long.MaxValue;
        for (int r = 0; r < rounds; r++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            round();
            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return fewest;
    }
}
