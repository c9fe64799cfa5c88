namespace RealtimeDenoise.Models;

/// <summary>
/// Checks that a model card and the weights found in the ONNX graphs describe the same model. Each
/// disagreement names the card field and the graph file it conflicts with.
/// </summary>
internal static class ModelCardCheck
{
    public static Activation ParseActivation(string name, string cardFile) => name.ToLowerInvariant() switch
    {
        "tanh" => Activation.Tanh,
        "relu" => Activation.Relu,
        "identity" or "linear" or "none" => Activation.Identity,
        _ => throw new InvalidDataException($"{cardFile}: field 'activation': unknown activation '{name}' (expected tanh or relu)."),
    };

    /// <summary>Card fields that must be consistent on their own.</summary>
    public static void CheckCard(ModelCard card, string cardFile)
    {
        if (card.FormatVersion < 1 || card.FormatVersion > ModelCard.CurrentFormatVersion)
            throw new InvalidDataException($"{cardFile}: field 'format_version': {card.FormatVersion} is not supported (this build reads 1..{ModelCard.CurrentFormatVersion}).");
        if (card.FftSize <= 0 || card.Bins != card.FftSize / 2 + 1)
            throw new InvalidDataException($"{cardFile}: field 'bins': {card.Bins} does not match n_fft {card.FftSize} (expected n_fft/2 + 1 = {card.FftSize / 2 + 1}).");
        if (card.LatentDim <= 0) throw new InvalidDataException($"{cardFile}: field 'latent_dim': must be positive, found {card.LatentDim}.");
        if (card.HopSize <= 0 || card.SampleRate <= 0) throw new InvalidDataException($"{cardFile}: fields 'hop'/'sample_rate' must be positive.");
        if (card.InputTransform is not ("log" or "none"))
            throw new InvalidDataException($"{cardFile}: field 'input_transform': '{card.InputTransform}' is not 'log' or 'none'.");
        if (card.LogVarianceRange is not { Length: 2 } r || !(r[0] < r[1]))
            throw new InvalidDataException($"{cardFile}: field 'log_variance_range': expected [min, max] with min < max.");
        ParseActivation(card.Activation, cardFile);
    }

    /// <summary>The weights (from encoder/decoder graphs) against the card.</summary>
    public static void CheckWeights(ModelCard card, VaeWeights w, string cardFile, string encoderFile, string decoderFile)
    {
        CheckCard(card, cardFile);
        InvalidDataException Mismatch(string field, object cardValue, string file, string graphWhat, object graphValue) =>
            new($"{cardFile}: field '{field}' is {cardValue} but {file} {graphWhat} is {graphValue}.");

        if (w.Bins != card.Bins) throw Mismatch("bins", card.Bins, encoderFile, "input 'power' width", w.Bins);
        if (w.LatentDim != card.LatentDim) throw Mismatch("latent_dim", card.LatentDim, encoderFile, "output 'mu' width", w.LatentDim);
        int[] encHidden = [.. w.EncoderHidden.Select(l => l.Outputs)];
        if (!encHidden.SequenceEqual(card.EncoderHidden))
            throw Mismatch("encoder_hidden", Show(card.EncoderHidden), encoderFile, "hidden layer widths", Show(encHidden));
        if (w.Decoder.Length == 0) throw new InvalidDataException($"{decoderFile}: the decoder has no layers.");
        if (w.Decoder[0].Inputs != card.LatentDim) throw Mismatch("latent_dim", card.LatentDim, decoderFile, "input 'z' width", w.Decoder[0].Inputs);
        if (w.Decoder[^1].Outputs != card.Bins) throw Mismatch("bins", card.Bins, decoderFile, "output 'log_variance' width", w.Decoder[^1].Outputs);
        int[] decHidden = [.. w.Decoder[..^1].Select(l => l.Outputs)];
        if (!decHidden.SequenceEqual(card.DecoderHidden))
            throw Mismatch("decoder_hidden", Show(card.DecoderHidden), decoderFile, "hidden layer widths", Show(decHidden));
        var act = ParseActivation(card.Activation, cardFile);
        foreach (var (layer, file) in w.EncoderHidden.Select(l => (l, encoderFile)).Concat(w.Decoder[..^1].Select(l => (l, decoderFile))))
            if (layer.Activation != act) throw Mismatch("activation", card.Activation, file, "hidden activation", layer.Activation.ToString().ToLowerInvariant());
        if (w.EncoderMu.Activation != Activation.Identity || w.EncoderLogVar.Activation != Activation.Identity)
            throw new InvalidDataException($"{encoderFile}: the mu/logvar heads must be linear (no activation).");
        if (w.Decoder[^1].Activation != Activation.Identity)
            throw new InvalidDataException($"{decoderFile}: the output layer must be linear (it predicts log σ²).");
        bool log = card.InputTransform == "log";
        if (w.Input.Log != log) throw Mismatch("input_transform", card.InputTransform, encoderFile, "input Log step", w.Input.Log ? "present" : "absent");
        if (log && !Close(w.Input.Epsilon, card.InputEpsilon))
            throw Mismatch("input_epsilon", card.InputEpsilon, encoderFile, "epsilon added before Log", w.Input.Epsilon);
        bool standardized = w.Input.Mean is not null || w.Input.Std is not null;
        if (standardized != card.InputStandardized)
            throw Mismatch("input_standardized", card.InputStandardized ? "true" : "false", encoderFile, "Sub(mean)/Div(std) steps", standardized ? "present" : "absent");
    }

    private static bool Close(float a, float b) => Math.Abs(a - b) <= 1e-6f * Math.Max(Math.Abs(a), Math.Abs(b));

    private static string Show(int[] widths) => "[" + string.Join(", ", widths) + "]";
}
