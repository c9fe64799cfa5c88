namespace RealtimeDenoise.Enhancement;

/// <summary>Sees each segment's <see cref="OfflineMaskStages"/> (e.g. to record training data for the <see cref="MaskRefiner"/>).</summary>
public interface IOfflineStageObserver
{
    /// <param name="start">The segment's first sample in the input.</param>
    /// <param name="length">Its length in samples.</param>
    /// <param name="stages">Its stages, before the refiner (if any) runs.</param>
    void OnSegment(int start, int length, OfflineMaskStages stages);
}
