using System.Text.Json;
using System.Text.Json.Serialization;

namespace RealtimeDenoise.Models;

/// <summary>model.json: everything a consumer must know about a model package besides its weights.</summary>
public sealed class ModelCard
{
    public const int CurrentFormatVersion = 1;

    [JsonPropertyName("format_version")] public int FormatVersion { get; set; } = CurrentFormatVersion;
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("sample_rate")] public int SampleRate { get; set; } = 16000;
    [JsonPropertyName("n_fft")] public int FftSize { get; set; } = 512;
    [JsonPropertyName("hop")] public int HopSize { get; set; } = 128;
    [JsonPropertyName("window")] public string Window { get; set; } = "sqrt-hann";
    [JsonPropertyName("bins")] public int Bins { get; set; } = 257;
    [JsonPropertyName("latent_dim")] public int LatentDim { get; set; } = 16;
    [JsonPropertyName("encoder_hidden")] public int[] EncoderHidden { get; set; } = [128];
    [JsonPropertyName("decoder_hidden")] public int[] DecoderHidden { get; set; } = [128];
    [JsonPropertyName("activation")] public string Activation { get; set; } = "tanh";
    /// <summary>"log" or "none", plus epsilon and whether per-bin standardisation is in the graph.</summary>
    [JsonPropertyName("input_transform")] public string InputTransform { get; set; } = "log";
    [JsonPropertyName("input_epsilon")] public float InputEpsilon { get; set; } = 1e-10f;
    [JsonPropertyName("input_standardized")] public bool InputStandardized { get; set; } = true;
    /// <summary>Range log σ² is clamped to by consumers (seen in training, with margin).</summary>
    [JsonPropertyName("log_variance_range")] public float[] LogVarianceRange { get; set; } = [-30f, 10f];
    /// <summary>Active speech level of the training data in dBFS; inputs are compared against it.</summary>
    [JsonPropertyName("training_level_dbfs")] public float TrainingLevelDbfs { get; set; } = -26f;
    [JsonPropertyName("training")] public TrainingSummary? Training { get; set; }
    [JsonPropertyName("validation_elbo")] public double? ValidationElbo { get; set; }
    [JsonPropertyName("created")] public string Created { get; set; } = "";
    [JsonPropertyName("exporter")] public string Exporter { get; set; } = "";
    [JsonPropertyName("notes")] public string? Notes { get; set; }

    /// <summary>
    /// A card whose structural fields (bins, n_fft, latent size, layer widths, activation, input transform)
    /// describe <paramref name="weights"/>; the caller fills in the rest (name, training summary, …).
    /// </summary>
    public static ModelCard Describe(VaeWeights weights, int sampleRate = 16000, int hopSize = 0)
    {
        ArgumentNullException.ThrowIfNull(weights);
        int fft = (weights.Bins - 1) * 2;
        var hidden = weights.EncoderHidden.Concat(weights.Decoder[..^1]).Select(l => l.Activation).Distinct().ToArray();
        return new ModelCard
        {
            SampleRate = sampleRate,
            FftSize = fft,
            HopSize = hopSize > 0 ? hopSize : Math.Max(1, fft / 4),
            Bins = weights.Bins,
            LatentDim = weights.LatentDim,
            EncoderHidden = [.. weights.EncoderHidden.Select(l => l.Outputs)],
            DecoderHidden = [.. weights.Decoder[..^1].Select(l => l.Outputs)],
            Activation = (hidden.Length > 0 ? hidden[0] : Models.Activation.Tanh).ToString().ToLowerInvariant(),
            InputTransform = weights.Input.Log ? "log" : "none",
            InputEpsilon = weights.Input.Epsilon,
            InputStandardized = weights.Input.Mean is not null || weights.Input.Std is not null,
        };
    }

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public string ToJson() => JsonSerializer.Serialize(this, Options);

    public static ModelCard FromJson(string json, string sourceName)
    {
        try
        {
            return JsonSerializer.Deserialize<ModelCard>(json, Options)
                ?? throw new InvalidDataException($"{sourceName}: model card is empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{sourceName}: model card is not valid JSON ({e.Message}).", e);
        }
    }
}

public sealed class TrainingSummary
{
    [JsonPropertyName("data")] public string Data { get; set; } = "";
    [JsonPropertyName("files_train")] public int FilesTrain { get; set; }
    [JsonPropertyName("files_validation")] public int FilesValidation { get; set; }
    [JsonPropertyName("frames_train")] public long FramesTrain { get; set; }
    [JsonPropertyName("frames_validation")] public long FramesValidation { get; set; }
    [JsonPropertyName("silence_rule")] public string SilenceRule { get; set; } = "";
    [JsonPropertyName("epochs")] public int Epochs { get; set; }
    [JsonPropertyName("batch_size")] public int BatchSize { get; set; }
    [JsonPropertyName("learning_rate")] public double LearningRate { get; set; }
    [JsonPropertyName("beta_warmup_epochs")] public int BetaWarmupEpochs { get; set; }
    [JsonPropertyName("seed")] public int Seed { get; set; }
    [JsonPropertyName("train_elbo")] public double? TrainElbo { get; set; }
    [JsonPropertyName("command")] public string? Command { get; set; }
    /// <summary>Set when the encoder was retrained on noisy speech after the VAE (the decoder is unchanged).</summary>
    [JsonPropertyName("noise_aware_encoder")] public EncoderTrainingSummary? NoiseAwareEncoder { get; set; }
}

/// <summary>How a noise-aware encoder was trained: its data, mixing and result.</summary>
public sealed class EncoderTrainingSummary
{
    [JsonPropertyName("noise_data")] public string NoiseData { get; set; } = "";
    [JsonPropertyName("noise_files")] public int NoiseFiles { get; set; }
    [JsonPropertyName("snr_range_db")] public double[] SnrRangeDb { get; set; } = [];
    [JsonPropertyName("clean_fraction")] public double CleanFraction { get; set; }
    [JsonPropertyName("epochs")] public int Epochs { get; set; }
    [JsonPropertyName("learning_rate")] public double LearningRate { get; set; }
    [JsonPropertyName("seed")] public int Seed { get; set; }
    /// <summary>ELBO of clean validation frames with the encoder fed the noisy mixtures, before and after.</summary>
    [JsonPropertyName("noisy_validation_elbo_before")] public double NoisyValidationElboBefore { get; set; }
    [JsonPropertyName("noisy_validation_elbo")] public double NoisyValidationElbo { get; set; }
    [JsonPropertyName("command")] public string? Command { get; set; }
}
