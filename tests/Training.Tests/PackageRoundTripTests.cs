using RealtimeDenoise.Models;
using RealtimeDenoise.Training.Data;
using RealtimeDenoise.Training.Model;
using RealtimeDenoise.Training.Run;

namespace RealtimeDenoise.Training.Tests;

/// <summary>A trained model exported through ModelPackage reproduces the trainer's own forward pass in both Engine backends.</summary>
public sealed class PackageRoundTripTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "rtd-package-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static string? FindOrtLibrary()
    {
        string? env = Environment.GetEnvironmentVariable("RTDENOISE_ORT_LIBRARY");
        if (!string.IsNullOrEmpty(env) && File.Exists(env)) return env;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, ".native", "onnxruntime", "current", "libonnxruntime.so.1");
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    [Theory]
    [InlineData(InferenceBackend.Managed, 1, Activation.Tanh)]
    [InlineData(InferenceBackend.Managed, 2, Activation.Relu)]
    [InlineData(InferenceBackend.Onnx, 1, Activation.Tanh)]
    [InlineData(InferenceBackend.Onnx, 2, Activation.Relu)]
    public void ExportedPackageReproducesTheTrainersForwardPass(InferenceBackend backend, int layers, Activation activation)
    {
        const int bins = 33;
        var settings = new TrainerSettings
        {
            Architecture = new VaeArchitecture(bins, Hidden: 24, Latent: 5, HiddenLayers: layers, Activation: activation),
            Epochs = 2, BatchSize = 64, LearningRate = 3e-3, BetaWarmupEpochs = 1, Seed = 9, Threads = 2, Patience = 0,
        };
        var train = SyntheticSpectra.Make(800, bins, 21);
        var trainer = new VaeTrainer(settings, train, SyntheticSpectra.Make(100, bins, 22), null);
        var result = trainer.Run(false);
        var card = new ModelCard
        {
            Name = "roundtrip", FftSize = (bins - 1) * 2, HopSize = (bins - 1) / 2, Bins = bins, LatentDim = 5,
            EncoderHidden = Enumerable.Repeat(24, layers).ToArray(), DecoderHidden = Enumerable.Repeat(24, layers).ToArray(),
            Activation = activation == Activation.Tanh ? "tanh" : "relu", InputTransform = "log", InputEpsilon = settings.InputEpsilon,
            LogVarianceRange = [settings.LogVarianceMin, settings.LogVarianceMax],
        };
        ModelPackage.Write(_dir, result.BestWeights, card);

        string? ort = null;
        if (backend == InferenceBackend.Onnx)
            ort = FindOrtLibrary() ?? throw new InvalidOperationException("ONNX Runtime library not found: run scripts/install-deps.sh or set RTDENOISE_ORT_LIBRARY.");
        using var model = ModelPackage.Load(_dir, new ModelLoadOptions(backend, ExecutionDevice.Cpu, ort));
        var reference = WeightConversion.FromWeights(result.BestWeights, 1, settings.LogVarianceMin, settings.LogVarianceMax);

        int frames = 50;
        var power = train.Power.AsSpan(0, frames * bins).ToArray();
        var mu = new float[frames * 5]; var lv = new float[frames * 5];
        var muRef = new float[frames * 5]; var lvRef = new float[frames * 5];
        model.Encode(power, frames, mu, lv);
        reference.Encode(power, frames, muRef, lvRef);
        AssertClose(muRef, mu);
        AssertClose(lvRef, lv);
        var logVar = new float[frames * bins]; var logVarRef = new float[frames * bins];
        model.Decode(muRef, frames, logVar);
        reference.Decode(muRef, frames, logVarRef);
        AssertClose(logVarRef, logVar);
        Assert.Contains(mu, v => Math.Abs(v) > 1e-3); // the check is not vacuous
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            double tol = 1e-4 * Math.Max(1, Math.Abs(expected[i]));
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tol, $"[{i}] trainer {expected[i]} vs package {actual[i]}");
        }
    }
}
