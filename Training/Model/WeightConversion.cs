using RealtimeDenoise.Models;
using RealtimeDenoise.Training.Nn;

namespace RealtimeDenoise.Training.Model;

/// <summary>Between the trainer's network and the Engine's <see cref="VaeWeights"/> (the exported form).</summary>
internal static class WeightConversion
{
    public static VaeWeights ToWeights(VaeNetwork<float> net)
    {
        var act = net.Architecture.Activation;
        var enc = net.EncoderTrunk.Layers.OfType<Linear<float>>().Select(l => Dense(l, act)).ToArray();
        var decLinears = net.Decoder.Layers.OfType<Linear<float>>().ToArray();
        var dec = decLinears.Select((l, i) => Dense(l, i < decLinears.Length - 1 ? act : Activation.Identity)).ToArray();
        var std = net.InputInvStd.Select(s => 1f / s).ToArray();
        return new VaeWeights
        {
            Input = new EncoderInputTransform(true, net.InputEpsilon, (float[])net.InputMean.Clone(), std),
            EncoderHidden = enc,
            EncoderMu = Dense(net.MuHead, Activation.Identity),
            EncoderLogVar = Dense(net.LogVarHead, Activation.Identity),
            Decoder = dec,
        };
    }

    /// <summary>Builds a network holding exactly these weights (for evaluation and round-trip checks).</summary>
    public static VaeNetwork<float> FromWeights(VaeWeights w, int threads, float logVarianceMin, float logVarianceMax)
    {
        if (!w.Input.Log) throw new NotSupportedException("Only log-compressed encoder inputs are supported by the trainer.");
        if (w.EncoderHidden.Length == 0 || w.Decoder.Length != w.EncoderHidden.Length + 1)
            throw new InvalidDataException("The trainer's network has one or more hidden layers and a decoder one layer deeper than the encoder trunk.");
        var arch = new VaeArchitecture(w.Bins, w.EncoderHidden[0].Outputs, w.LatentDim, w.EncoderHidden.Length, w.EncoderHidden[0].Activation);
        var net = new VaeNetwork<float>(arch, threads, logVarianceMin, logVarianceMax, w.Input.Epsilon);
        var layers = net.LinearLayers.ToArray();
        var dense = w.EncoderHidden.Concat([w.EncoderMu, w.EncoderLogVar]).Concat(w.Decoder).ToArray();
        for (int i = 0; i < layers.Length; i++)
        {
            if (dense[i].Inputs != layers[i].Inputs || dense[i].Outputs != layers[i].Outputs)
                throw new InvalidDataException($"Layer {i} is {dense[i].Inputs}→{dense[i].Outputs}, expected {layers[i].Inputs}→{layers[i].Outputs}.");
            dense[i].Weight.CopyTo(layers[i].Weight.Value, 0);
            dense[i].Bias.CopyTo(layers[i].Bias.Value, 0);
        }
        var mean = w.Input.Mean ?? new float[arch.Bins];
        var std = w.Input.Std ?? Enumerable.Repeat(1f, arch.Bins).ToArray();
        net.SetInputStatistics(mean, std);
        return net;
    }

    private static DenseLayer Dense(Linear<float> l, Activation act) =>
        new(l.Inputs, l.Outputs, act, (float[])l.Weight.Value.Clone(), (float[])l.Bias.Value.Clone());
}
