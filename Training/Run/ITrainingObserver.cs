using RealtimeDenoise.Training.Model;

namespace RealtimeDenoise.Training.Run;

public readonly record struct BatchProgress(int Epoch, int Epochs, int Batch, int Batches, double Loss, double Beta, double FramesPerSecond, TimeSpan Eta);

/// <summary>One finished epoch. Train terms are running means over the epoch's minibatches (weights change during it).</summary>
public sealed record EpochRecord(int Epoch, LossTerms Train, LossTerms Validation, double Beta, double Seconds, double FramesPerSecond, bool IsBest);

/// <summary>Receives progress from <see cref="VaeTrainer"/>; called on the training thread.</summary>
public interface ITrainingObserver
{
    void BatchCompleted(BatchProgress progress);
    void EpochCompleted(EpochRecord record);
    void Message(string text);
}
