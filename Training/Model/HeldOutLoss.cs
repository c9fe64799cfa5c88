using RealtimeDenoise.Training.Data;
using RealtimeDenoise.Training.Nn;

namespace RealtimeDenoise.Training.Model;

/// <summary>
/// ELBO terms over a whole frame set with β = 1 and a fixed reparametrisation noise stream (the same every call),
/// so epochs and runs compare like with like. Shared by the VAE trainer and the noise-aware encoder trainer.
/// </summary>
internal static class HeldOutLoss
{
    /// <summary>
    /// Loss of <paramref name="target"/> with the encoder fed <paramref name="encoderInput"/> (row for row; null:
    /// the target itself), in batches of <paramref name="batchSize"/>, noise drawn from <paramref name="noiseSeed"/>.
    /// </summary>
    public static LossTerms Evaluate(VaeNetwork<float> net, FrameSet target, FrameSet? encoderInput, int batchSize, ulong noiseSeed)
    {
        int bins = target.Bins, latent = net.Latent;
        var power = new float[batchSize * bins];
        var input = encoderInput is null ? null : new float[batchSize * bins];
        var noise = new float[batchSize * latent];
        var random = new TrainingRandom(noiseSeed);
        LossTerms sum = default;
        for (int start = 0; start < target.Frames; start += batchSize)
        {
            int n = Math.Min(batchSize, target.Frames - start);
            target.Power.AsSpan(start * bins, n * bins).CopyTo(power);
            encoderInput?.Power.AsSpan(start * bins, n * bins).CopyTo(input);
            random.FillGaussian(noise.AsSpan(0, n * latent));
            sum = sum.Merge(net.Evaluate(power, noise, n, 1.0, backward: false, encoderInput: input));
        }
        return sum;
    }

    /// <summary>The noise seed the trainers use for a run seeded with <paramref name="seed"/>.</summary>
    public static ulong NoiseSeed(int seed) => 0xE7A1_0000UL ^ (ulong)seed;
}
