namespace RealtimeDenoise.Training.Nn;

/// <summary>Grows a [batch, width] buffer only when a larger batch arrives, so steady-state training does not allocate.</summary>
internal static class BatchBuffer
{
    public static T[] Ensure<T>(ref T[]? buffer, int batch, int width)
    {
        int needed = batch * width;
        if (buffer is null || buffer.Length < needed) buffer = new T[needed];
        return buffer;
    }
}
