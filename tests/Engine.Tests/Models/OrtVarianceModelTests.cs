using System.Diagnostics;
using RealtimeDenoise.Models;
using RealtimeDenoise.Models.OnnxRuntime;
using Xunit.Abstractions;

namespace RealtimeDenoise.Engine.Tests.Models;

/// <summary>Process-wide memory is measured here, so these tests run alone, not beside other test classes.</summary>
[CollectionDefinition(nameof(ProcessMemoryCollection), DisableParallelization = true)]
public sealed class ProcessMemoryCollection;

[Collection(nameof(ProcessMemoryCollection))]
public class OrtVarianceModelTests(ITestOutputHelper output)
{
    private static ModelLoadOptions Ort(ExecutionDevice device = ExecutionDevice.Cpu) =>
        new(InferenceBackend.Onnx, device, OrtTestLibrary.Path);

    private static (TempFolder Dir, VaeWeights W) Package(int bins, int latent, int[] hidden, Activation act, int seed, bool log = true, bool standardize = true)
    {
        var w = TestModels.Random(bins, latent, hidden, hidden, act, seed, log, standardize);
        var dir = new TempFolder();
        ModelPackage.Write(dir.Path, w, TestModels.CardFor(w, act));
        return (dir, w);
    }

    [Theory]
    [InlineData(257, 16, new[] { 128 }, Activation.Tanh, true, true)]
    [InlineData(65, 8, new[] { 48, 32 }, Activation.Relu, true, false)]
    [InlineData(33, 4, new[] { 16 }, Activation.Tanh, false, true)]
    public void Managed_and_onnx_runtime_agree(int bins, int latent, int[] hidden, Activation act, bool log, bool standardize)
    {
        var (dir, w) = Package(bins, latent, hidden, act, seed: bins, log, standardize);
        using (dir)
        {
            using var managed = ModelPackage.Load(dir.Path);
            using var ort = ModelPackage.Load(dir.Path, Ort());
            Assert.IsType<OrtVarianceModel>(ort);
            foreach (int batch in new[] { 1, 7, 256 })
            {
                var power = TestModels.Power(batch, bins, batch);
                if (!log) for (int i = 0; i < power.Length; i++) power[i] *= 1e8f;
                var z = TestModels.Gaussian(batch * latent, batch + 1);
                double encDiff = MaxDiff(m => { var mu = new float[batch * latent]; var lv = new float[batch * latent]; m.Encode(power, batch, mu, lv); return [.. mu, .. lv]; }, managed, ort);
                double decDiff = MaxDiff(m => { var v = new float[batch * bins]; m.Decode(z, batch, v); return v; }, managed, ort);
                output.WriteLine($"F={bins} L={latent} hidden=[{string.Join(",", hidden)}] {act} batch {batch}: max |managed − ORT| encoder {encDiff:E2}, decoder {decDiff:E2}");
                Assert.True(encDiff <= 1e-4, $"encoder differs by {encDiff} at batch {batch}");
                Assert.True(decDiff <= 1e-4, $"decoder differs by {decDiff} at batch {batch}");
            }
        }
    }

    private static double MaxDiff(Func<IVarianceModel, float[]> run, IVarianceModel a, IVarianceModel b)
    {
        var x = run(a);
        var y = run(b);
        Assert.Equal(x.Length, y.Length);
        double worst = 0;
        for (int i = 0; i < x.Length; i++)
        {
            Assert.True(float.IsFinite(x[i]) && float.IsFinite(y[i]));
            worst = Math.Max(worst, Math.Abs(x[i] - y[i]));
        }
        return worst;
    }

    [Fact]
    public void Session_reports_names_and_shapes_and_loads_from_bytes()
    {
        var (dir, w) = Package(33, 4, [16], Activation.Tanh, seed: 3);
        using (dir)
        {
            using var fromFile = (OrtVarianceModel)ModelPackage.Load(dir.Path, Ort());
            Assert.Equal("power: float[N,33]", fromFile.EncoderInputs.Single().ToString());
            Assert.Equal(["logvar: float[N,4]", "mu: float[N,4]"], fromFile.EncoderOutputs.Select(o => o.ToString()).Order());
            Assert.Equal("z: float[N,4]", fromFile.DecoderInputs.Single().ToString());
            Assert.Equal("log_variance: float[N,33]", fromFile.DecoderOutputs.Single().ToString());
            Assert.Equal(ExecutionDevice.Cpu, fromFile.Device);
            Assert.Contains("CPUExecutionProvider", fromFile.Library.AvailableProviders);

            using var fromBytes = ModelPackage.Load(File.ReadAllBytes(dir.File("encoder.onnx")), File.ReadAllBytes(dir.File("decoder.onnx")),
                File.ReadAllText(dir.File("model.json")), Ort());
            var z = TestModels.Gaussian(4 * 5, 1);
            var a = new float[5 * 33];
            var b = new float[5 * 33];
            fromFile.Decode(z, 5, a);
            fromBytes.Decode(z, 5, b);
            Assert.Equal(a, b);
            var reference = ReferenceVae.Decode(w, z.AsSpan(8, 4));
            for (int f = 0; f < 33; f++) Assert.Equal(reference[f], a[2 * 33 + f], 4);
        }
    }

    [Fact]
    public void Onnx_runtime_errors_carry_its_message()
    {
        var lib = OrtLibrary.Load(OrtTestLibrary.Path);
        var api = lib.Api;
        using var logId = new NativeNames(["test"]);
        unsafe
        {
            using var env = OrtHandle.Create(api, OrtApiIndex.ReleaseEnv, () => api.CreateEnv(3, logId.Pointer[0]));
            using var options = OrtHandle.Create(api, OrtApiIndex.ReleaseSessionOptions, api.CreateSessionOptions);
            var e = Assert.Throws<OrtException>(() => api.CreateSession(env.DangerousGetHandle(), "/nonexistent/model.onnx", options.DangerousGetHandle()));
            Assert.Equal(OrtErrorCode.NoSuchFile, e.Code);
            Assert.Contains("/nonexistent/model.onnx", e.Message);
            output.WriteLine(e.Message);
        }
    }

    [Fact]
    public void Bytes_onnx_runtime_cannot_parse_are_invalid_data()
    {
        var (dir, _) = Package(17, 3, [8], Activation.Tanh, seed: 4);
        using (dir)
        {
            var lib = OrtLibrary.Load(OrtTestLibrary.Path);
            var junk = new byte[256];
            new Random(2).NextBytes(junk);
            var e = Assert.ThrowsAny<OrtException>(() =>
            {
                var api = lib.Api;
                using var logId = new NativeNames(["test"]);
                nint id;
                unsafe { id = logId.Pointer[0]; }
                var env = OrtHandle.Create(api, OrtApiIndex.ReleaseEnv, () => api.CreateEnv(3, id));
                using var options = OrtHandle.Create(api, OrtApiIndex.ReleaseSessionOptions, api.CreateSessionOptions);
                using var mem = OrtHandle.Create(api, OrtApiIndex.ReleaseMemoryInfo, api.CreateCpuMemoryInfo);
                try { OrtSession.Create(api, env, options, mem, null, junk).Dispose(); }
                finally { env.Dispose(); }
            });
            Assert.False(string.IsNullOrWhiteSpace(e.Message));
            output.WriteLine(e.Message);
            // Through the package API, bad bytes are reported before ORT sees them, naming the file.
            File.WriteAllBytes(dir.File("decoder.onnx"), junk);
            var pe = Assert.Throws<InvalidDataException>(() => ModelPackage.Load(dir.Path, Ort()));
            Assert.Contains("decoder.onnx", pe.Message);
        }
    }

    [Theory]
    [InlineData(InferenceBackend.Managed)]
    [InlineData(InferenceBackend.Onnx)]
    public void Ten_thousand_calls_keep_memory_flat(InferenceBackend backend)
    {
        var (dir, _) = Package(257, 16, [128], Activation.Tanh, seed: 9);
        using (dir)
        {
            using var model = ModelPackage.Load(dir.Path, new ModelLoadOptions(backend, ExecutionDevice.Cpu, OrtTestLibrary.Path));
            const int batch = 4;
            var power = TestModels.Power(batch, 257, 1);
            var z = TestModels.Gaussian(batch * 16, 2);
            var mu = new float[batch * 16]; var lv = new float[batch * 16]; var v = new float[batch * 257];
            for (int i = 0; i < 500; i++) { model.Encode(power, batch, mu, lv); model.Decode(z, batch, v); }
            var (ws0, priv0) = Memory();
            long managed0 = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 10_000; i++) { model.Encode(power, batch, mu, lv); model.Decode(z, batch, v); }
            long managedBytes = GC.GetAllocatedBytesForCurrentThread() - managed0;
            var (ws1, priv1) = Memory();
            output.WriteLine($"{backend}: working set {ws0 / 1e6:F1} → {ws1 / 1e6:F1} MB, private {priv0 / 1e6:F1} → {priv1 / 1e6:F1} MB, managed allocations {managedBytes} bytes over 20,000 calls");
            Assert.True(ws1 - ws0 < 20_000_000, $"working set grew by {(ws1 - ws0) / 1e6:F1} MB");
            Assert.True(priv1 - priv0 < 20_000_000, $"private bytes grew by {(priv1 - priv0) / 1e6:F1} MB");
            Assert.Equal(0, managedBytes);
        }
    }

    private static (long WorkingSet, long Private) Memory()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        using var p = Process.GetCurrentProcess();
        p.Refresh();
        return (p.WorkingSet64, p.PrivateMemorySize64);
    }

    [Fact]
    public void Disposing_twice_is_harmless_and_use_after_dispose_is_reported()
    {
        var (dir, _) = Package(17, 3, [8], Activation.Tanh, seed: 5);
        using (dir)
        {
            var model = ModelPackage.Load(dir.Path, Ort());
            model.Decode(new float[3], 1, new float[17]);
            model.Dispose();
            model.Dispose();
            Assert.Throws<ObjectDisposedException>(() => model.Decode(new float[3], 1, new float[17]));
        }
    }

    [Fact]
    public void Cuda_on_a_cpu_only_library_is_a_plain_error_and_auto_falls_back()
    {
        var lib = OrtLibrary.Load(OrtTestLibrary.Path);
        var (dir, _) = Package(17, 3, [8], Activation.Tanh, seed: 6);
        using (dir)
        {
            var e = Assert.Throws<OrtExecutionProviderException>(() => ModelPackage.Load(dir.Path, Ort(ExecutionDevice.Cuda)));
            output.WriteLine(e.Message);
            Assert.Contains("has no CUDA execution provider", e.Message);
            Assert.Contains(lib.Path, e.Message);
            Assert.False(lib.HasCuda);

            var notices = new List<string>();
            using var auto = (OrtVarianceModel)ModelPackage.Load(dir.Path, Ort(ExecutionDevice.Auto) with { Notice = notices.Add });
            Assert.Equal(ExecutionDevice.Cpu, auto.Device);
            Assert.NotNull(auto.Notice);
            Assert.Equal([auto.Notice!], notices);
            Assert.DoesNotContain('\n', auto.Notice!);
            var v = new float[17];
            auto.Decode(new float[3], 1, v);
            Assert.All(v, x => Assert.True(float.IsFinite(x)));

            var m = Assert.Throws<NotSupportedException>(() => ModelPackage.Load(dir.Path, new ModelLoadOptions(InferenceBackend.Managed, ExecutionDevice.Cuda)));
            Assert.Contains("CPU", m.Message);
        }
    }

    [Fact]
    public void Missing_library_is_reported_and_auto_backend_falls_back_to_managed()
    {
        var (dir, _) = Package(17, 3, [8], Activation.Tanh, seed: 7);
        using (dir)
        {
            string bogus = dir.File("no-such-libonnxruntime.so");
            var e = Assert.Throws<OrtLibraryNotFoundException>(() => ModelPackage.Load(dir.Path, new ModelLoadOptions(InferenceBackend.Onnx, OrtLibraryPath: bogus)));
            Assert.Contains(bogus, e.Message);
            File.WriteAllText(bogus, "not a library");
            e = Assert.Throws<OrtLibraryNotFoundException>(() => ModelPackage.Load(dir.Path, new ModelLoadOptions(InferenceBackend.Onnx, OrtLibraryPath: bogus)));
            Assert.Contains("cannot load", e.Message);

            var notices = new List<string>();
            using var model = ModelPackage.Load(dir.Path, new ModelLoadOptions(InferenceBackend.Auto, OrtLibraryPath: bogus) { Notice = notices.Add });
            Assert.IsType<ManagedVarianceModel>(model);
            Assert.Single(notices);
            Assert.Contains("managed", notices[0]);
        }
    }

    [Fact]
    public void Library_reports_version_and_providers()
    {
        var lib = OrtLibrary.Load(OrtTestLibrary.Path);
        Assert.StartsWith("1.", lib.Version);
        Assert.InRange(lib.ApiVersion, OrtApi.MinimumApiVersion, OrtApi.MaximumApiVersion);
        Assert.Contains("CPUExecutionProvider", lib.AvailableProviders);
        Assert.Same(lib, OrtLibrary.Load(OrtTestLibrary.Path));
        output.WriteLine(lib.ToString());
    }
}
