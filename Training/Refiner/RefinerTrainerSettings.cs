namespace RealtimeDenoise.Training.Refiner;

/// <summary>Settings of <see cref="MaskRefinerTrainer"/> (`train-refiner`); the defaults are the shipped refiner's.</summary>
public sealed class RefinerTrainerSettings
{
    public int Hidden { get; init; } = 48;
    public int Epochs { get; init; } = 6;
    public int BatchSize { get; init; } = 4096;
    public double LearningRate { get; init; } = 3e-3;
    /// <summary>The learning rate is multiplied by this after every epoch.</summary>
    public double LearningRateDecay { get; init; } = 0.7;
    public int Seed { get; init; } = 1;
    public int Threads { get; init; } = Environment.ProcessorCount;
}
