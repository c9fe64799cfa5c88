using RealtimeDenoise.Models;

namespace RealtimeDenoise.Engine.Tests.Models;

/// <summary>Small randomly initialised VAEs and their cards, written into temporary folders.</summary>
internal static class TestModels
{
    public static VaeWeights Random(int bins, int latent, int[] encHidden, int[] decHidden, Activation act, int seed, bool log = true, bool standardize = true)
    {
        var rng = new Random(seed);
        DenseLayer Layer(int inputs, int outputs, Activation a)
        {
            // Glorot-like scale keeps activations in the interesting (non-saturated) range.
            float scale = MathF.Sqrt(2f / (inputs + outputs));
            var w = new float[inputs * outputs];
            var b = new float[outputs];
            for (int i = 0; i < w.Length; i++) w[i] = (float)(rng.NextDouble() * 2 - 1) * scale * 1.7f;
            for (int i = 0; i < b.Length; i++) b[i] = (float)(rng.NextDouble() * 2 - 1) * 0.1f;
            return new DenseLayer(inputs, outputs, a, w, b);
        }
        var enc = new List<DenseLayer>();
        int width = bins;
        foreach (var h in encHidden) { enc.Add(Layer(width, h, act)); width = h; }
        var mu = Layer(width, latent, Activation.Identity);
        var lv = Layer(width, latent, Activation.Identity);
        var dec = new List<DenseLayer>();
        width = latent;
        foreach (var h in decHidden) { dec.Add(Layer(width, h, act)); width = h; }
        dec.Add(Layer(width, bins, Activation.Identity));
        float[]? mean = null, std = null;
        if (standardize)
        {
            mean = new float[bins];
            std = new float[bins];
            for (int f = 0; f < bins; f++) { mean[f] = (float)(rng.NextDouble() * 4 - 12); std[f] = (float)(1 + rng.NextDouble() * 2); }
        }
        return new VaeWeights
        {
            Input = new EncoderInputTransform(log, 1e-6f, mean, std),
            EncoderHidden = enc.ToArray(),
            EncoderMu = mu,
            EncoderLogVar = lv,
            Decoder = dec.ToArray(),
        };
    }

    /// <summary>The card of the weights; checks that ModelCard.Describe reports the activation the weights use.</summary>
    public static ModelCard CardFor(VaeWeights w, Activation act)
    {
        var card = ModelCard.Describe(w);
        Assert.Equal(act.ToString().ToLowerInvariant(), card.Activation);
        card.Name = "test";
        return card;
    }

    /// <summary>Power spectra spanning several decades, as real spectra do.</summary>
    public static float[] Power(int frames, int bins, int seed)
    {
        var rng = new Random(seed);
        var p = new float[frames * bins];
        for (int i = 0; i < p.Length; i++) p[i] = (float)Math.Pow(10, rng.NextDouble() * 8 - 9);
        return p;
    }

    public static float[] Gaussian(int n, int seed)
    {
        var rng = new Random(seed);
        var z = new float[n];
        for (int i = 0; i < n; i++) z[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
        return z;
    }
}

/// <summary>A temporary folder deleted at the end of a test.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "rtdenoise-tests-" + Guid.NewGuid().ToString("N"));

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}

/// <summary>The VAE forward pass in double precision, written plainly from the definition (the independent reference).</summary>
internal static class ReferenceVae
{
    public static double[] Dense(DenseLayer l, double[] x)
    {
        var y = new double[l.Outputs];
        for (int o = 0; o < l.Outputs; o++)
        {
            double s = l.Bias[o];
            for (int i = 0; i < l.Inputs; i++) s += (double)l.Weight[o * l.Inputs + i] * x[i];
            y[o] = l.Activation switch { Activation.Tanh => Math.Tanh(s), Activation.Relu => Math.Max(0, s), _ => s };
        }
        return y;
    }

    public static (double[] Mu, double[] LogVar) Encode(VaeWeights w, ReadOnlySpan<float> power)
    {
        var x = new double[w.Bins];
        for (int f = 0; f < w.Bins; f++)
        {
            double v = w.Input.Log ? Math.Log((double)power[f] + w.Input.Epsilon) : power[f];
            if (w.Input.Mean is not null) v -= w.Input.Mean[f];
            if (w.Input.Std is not null) v /= w.Input.Std[f];
            x[f] = v;
        }
        foreach (var l in w.EncoderHidden) x = Dense(l, x);
        return (Dense(w.EncoderMu, x), Dense(w.EncoderLogVar, x));
    }

    public static double[] Decode(VaeWeights w, ReadOnlySpan<float> z)
    {
        var x = new double[z.Length];
        for (int i = 0; i < z.Length; i++) x[i] = z[i];
        foreach (var l in w.Decoder) x = Dense(l, x);
        return x;
    }
}
