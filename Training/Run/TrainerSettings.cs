using RealtimeDenoise.Training.Model;

namespace RealtimeDenoise.Training.Run;

/// <summary>Everything that determines a training run besides the data.</summary>
public sealed record TrainerSettings
{
    public required VaeArchitecture Architecture { get; init; }
    public int Epochs { get; init; } = 30;
    public int BatchSize { get; init; } = 256;
    public double LearningRate { get; init; } = 1e-3;
    /// <summary>β rises linearly from 0 to 1 over this many epochs (per step); 0 means β = 1 throughout.</summary>
    public int BetaWarmupEpochs { get; init; } = 5;
    public int Seed { get; init; } = 1;
    public int Threads { get; init; } = Environment.ProcessorCount;
    /// <summary>Stop after this many epochs without a better validation ELBO; 0 disables early stopping.</summary>
    public int Patience { get; init; } = 5;
    /// <summary>Clip the global gradient norm to this value; 0 disables clipping.</summary>
    public double ClipNorm { get; init; }
    /// <summary>Decoupled (AdamW) weight decay; 0 disables it.</summary>
    public double WeightDecay { get; init; }
    public float LogVarianceMin { get; init; } = -30f;
    public float LogVarianceMax { get; init; } = 12f;
    public float InputEpsilon { get; init; } = 1e-10f;

    public void Validate()
    {
        Architecture.Validate();
        if (Epochs < 1) throw new ArgumentException($"Epochs must be at least 1, got {Epochs}.");
        if (BatchSize < 1) throw new ArgumentException($"Batch size must be at least 1, got {BatchSize}.");
        if (!(LearningRate > 0) || !double.IsFinite(LearningRate)) throw new ArgumentException($"Learning rate must be positive, got {LearningRate}.");
        if (BetaWarmupEpochs < 0 || Patience < 0 || ClipNorm < 0 || WeightDecay < 0) throw new ArgumentException("β warm-up, patience, clip norm and weight decay must not be negative.");
        if (Threads < 1) throw new ArgumentException($"Threads must be at least 1, got {Threads}.");
        if (!(LogVarianceMin < LogVarianceMax)) throw new ArgumentException($"Log-variance range [{LogVarianceMin}, {LogVarianceMax}] is empty.");
        if (!(InputEpsilon > 0)) throw new ArgumentException($"Input epsilon must be positive, got {InputEpsilon}.");
    }
}
