namespace RealtimeDenoise.Training.Model;

/// <summary>
/// Batch means of the two loss terms, per frame. Reconstruction = Σ_f (log σ²_f + p_f/σ²_f) (the IS
/// divergence up to constants); KL = KL(q(z|p) ‖ N(0, I)). ELBO here is −(Reconstruction + KL) with β = 1
/// and the constant −F·log π left out.
/// </summary>
public readonly record struct LossTerms(double Reconstruction, double Kl, int Frames)
{
    public double Loss(double beta) => Reconstruction + beta * Kl;
    public double Elbo => -(Reconstruction + Kl);

    /// <summary>Frame-weighted mean of two batches' terms.</summary>
    public LossTerms Merge(LossTerms other)
    {
        int n = Frames + other.Frames;
        if (n == 0) return this;
        return new((Reconstruction * Frames + other.Reconstruction * other.Frames) / n, (Kl * Frames + other.Kl * other.Frames) / n, n);
    }
}
