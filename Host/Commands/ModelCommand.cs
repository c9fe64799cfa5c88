using System.Diagnostics;
using RealtimeDenoise.Host.Cli;
using RealtimeDenoise.Models;

namespace RealtimeDenoise.Host.Commands;

/// <summary>`rtdenoise model info|check [DIR]`: shows a model package and checks that both backends agree on it.</summary>
public sealed class ModelCommand : ICommand
{
    public string Name => "model";
    public string Summary => "Show a model package (info) or compare its managed and ONNX Runtime outputs (check)";
    public string Usage =>
        "usage: rtdenoise model info [DIR]\n" +
        "       rtdenoise model check [DIR] [--ort-lib PATH] [--device cpu|cuda|auto] [--frames N]\n\n" +
        "DIR is a model package folder (encoder.onnx, decoder.onnx, model.json); default: the embedded model.\n" +
        "  info   print the model card and the layer shapes read from the ONNX graphs\n" +
        "  check  run random frames through the managed backend and ONNX Runtime and print the largest difference\n" +
        "         (exit code 3 when they differ by more than 1e-4, or when a backend cannot load)\n\n" +
        "  --ort-lib PATH  ONNX Runtime native library (else $RTDENOISE_ORT_LIBRARY, the app folder, the system loader)\n" +
        "  --device D      where ONNX Runtime runs: cpu (default), cuda, auto (cuda when available)\n" +
        "  --frames N      frames per check batch (default 256)";

    public int Run(CommandLineArgs args, CancellationToken cancellationToken)
    {
        string? ortLib = args.Option("--ort-lib");
        var device = args.Enum("--device", ExecutionDevice.Cpu);
        int frames = args.Int("--frames", 256, 1, 1 << 20);
        args.ThrowOnUnknown();
        var positionals = args.Positionals;
        if (positionals.Count is < 1 or > 2) throw new UsageException("expected 'info' or 'check', then an optional package folder. See --help.");
        string? dir = positionals.Count == 2 ? positionals[1] : null;
        return positionals[0] switch
        {
            "info" => Info(dir),
            "check" => Check(dir, ortLib, device, frames, cancellationToken),
            _ => throw new UsageException($"unknown action '{positionals[0]}' (expected info or check)."),
        };
    }

    private static int Info(string? dir)
    {
        var (weights, card) = ModelPackage.ReadWeights(dir);
        var w = Console.Out;
        w.WriteLine($"package: {(dir is null ? "embedded default" : Path.GetFullPath(dir))}");
        w.WriteLine(card.ToJson());
        w.WriteLine("encoder: power[N,{0}] → {1}{2} → mu, logvar [N,{3}]", weights.Bins,
            weights.Input.Log ? $"log(p + {weights.Input.Epsilon:G3}) → " : "",
            string.Concat(weights.EncoderHidden.Select(l => $"{l.Outputs} {l.Activation.ToString().ToLowerInvariant()} → ")).TrimEnd(' ', '→'),
            weights.LatentDim);
        w.WriteLine("decoder: z[N,{0}] → {1} → log_variance[N,{2}]", weights.LatentDim,
            string.Join(" → ", weights.Decoder[..^1].Select(l => $"{l.Outputs} {l.Activation.ToString().ToLowerInvariant()}")), weights.Bins);
        long parameters = weights.EncoderHidden.Concat([weights.EncoderMu, weights.EncoderLogVar]).Concat(weights.Decoder)
            .Sum(l => (long)l.Weight.Length + l.Bias.Length);
        w.WriteLine($"parameters: {parameters:N0}");
        return ExitCodes.Ok;
    }

    private static int Check(string? dir, string? ortLib, ExecutionDevice device, int frames, CancellationToken cancellationToken)
    {
        var w = Console.Out;
        using var managed = ModelPackage.Load(dir, new ModelLoadOptions(InferenceBackend.Managed));
        using var ort = (OrtVarianceModel)ModelPackage.Load(dir, new ModelLoadOptions(InferenceBackend.Onnx, device, ortLib)
        {
            Notice = n => Console.Error.WriteLine($"rtdenoise model: {n}"),
        });
        w.WriteLine($"managed: {managed.Bins} bins, latent {managed.LatentDim}");
        w.WriteLine($"onnx:    {ort}");
        foreach (var info in ort.EncoderInputs.Concat(ort.EncoderOutputs)) w.WriteLine($"  encoder {info}");
        foreach (var info in ort.DecoderInputs.Concat(ort.DecoderOutputs)) w.WriteLine($"  decoder {info}");

        int f = managed.Bins, l = managed.LatentDim;
        var rng = new Random(1);
        var power = new float[frames * f];
        for (int i = 0; i < power.Length; i++) power[i] = (float)Math.Pow(10, rng.NextDouble() * 8 - 9);
        var z = new float[frames * l];
        for (int i = 0; i < z.Length; i++) z[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));

        double worst = 0;
        foreach (int batch in new[] { 1, 7, frames }.Where(b => b <= frames).Distinct())
        {
            cancellationToken.ThrowIfCancellationRequested();
            RunBoth(managed, power, z, batch); // first calls compile and allocate; time the second
            RunBoth(ort, power, z, batch);
            var (encA, decA, tA) = RunBoth(managed, power, z, batch);
            var (encB, decB, tB) = RunBoth(ort, power, z, batch);
            double enc = MaxAbsDiff(encA, encB), dec = MaxAbsDiff(decA, decB);
            worst = Math.Max(worst, Math.Max(enc, dec));
            w.WriteLine($"batch {batch,5}: max |managed − onnx| encoder {enc:E2}, decoder {dec:E2}; time managed {tA:F3} ms, onnx {tB:F3} ms");
        }
        bool ok = worst <= 1e-4;
        w.WriteLine(ok ? $"ok: backends agree within 1e-4 (largest difference {worst:E2})" : $"MISMATCH: backends differ by {worst:E2} (> 1e-4)");
        return ok ? ExitCodes.Ok : ExitCodes.Error;
    }

    private static (float[] Encoded, float[] Decoded, double Milliseconds) RunBoth(IVarianceModel model, float[] power, float[] z, int batch)
    {
        int f = model.Bins, l = model.LatentDim;
        var mu = new float[batch * l];
        var logVar = new float[batch * l];
        var logVariance = new float[batch * f];
        var sw = Stopwatch.StartNew();
        model.Encode(power.AsSpan(0, batch * f), batch, mu, logVar);
        model.Decode(z.AsSpan(0, batch * l), batch, logVariance);
        double ms = sw.Elapsed.TotalMilliseconds;
        foreach (var v in mu.Concat(logVar).Concat(logVariance))
            if (!float.IsFinite(v)) throw new InvalidDataException($"{model.GetType().Name} produced NaN or infinity.");
        return ([.. mu, .. logVar], logVariance, ms);
    }

    private static double MaxAbsDiff(float[] a, float[] b)
    {
        double worst = 0;
        for (int i = 0; i < a.Length; i++) worst = Math.Max(worst, Math.Abs(a[i] - b[i]));
        return worst;
    }
}
