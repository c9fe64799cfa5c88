using RealtimeDenoise.Models;

namespace RealtimeDenoise.Engine.Tests.Models;

public class ModelPackageTests
{
    private static (VaeWeights W, ModelCard Card) Small(Activation act = Activation.Tanh, bool log = true, bool standardize = true)
    {
        var w = TestModels.Random(33, 4, [24, 16], [16], act, seed: 5, log, standardize);
        return (w, TestModels.CardFor(w, act));
    }

    [Theory]
    [InlineData(Activation.Tanh, true, true)]
    [InlineData(Activation.Relu, false, false)]
    [InlineData(Activation.Tanh, true, false)]
    public void Write_then_read_returns_identical_weights(Activation act, bool log, bool standardize)
    {
        var (w, card) = Small(act, log, standardize);
        using var dir = new TempFolder();
        ModelPackage.Write(dir.Path, w, card);
        Assert.True(File.Exists(dir.File("encoder.onnx")) && File.Exists(dir.File("decoder.onnx")) && File.Exists(dir.File("model.json")));
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp"));
        var (r, rc) = ModelPackage.ReadWeights(dir.Path);
        Assert.Equal(card.Bins, rc.Bins);
        Assert.Equal(card.EncoderHidden, rc.EncoderHidden);
        Assert.False(string.IsNullOrEmpty(rc.Created));
        Assert.Equal(w.Input.Log, r.Input.Log);
        Assert.Equal(w.Input.Epsilon, log ? r.Input.Epsilon : w.Input.Epsilon);
        Assert.Equal(w.Input.Mean, r.Input.Mean);
        Assert.Equal(w.Input.Std, r.Input.Std);
        AssertSame(w.EncoderHidden, r.EncoderHidden);
        AssertSame([w.EncoderMu, w.EncoderLogVar], [r.EncoderMu, r.EncoderLogVar]);
        AssertSame(w.Decoder, r.Decoder);
    }

    private static void AssertSame(DenseLayer[] a, DenseLayer[] b)
    {
        Assert.Equal(a.Length, b.Length);
        for (int i = 0; i < a.Length; i++)
        {
            Assert.Equal((a[i].Inputs, a[i].Outputs, a[i].Activation), (b[i].Inputs, b[i].Outputs, b[i].Activation));
            Assert.Equal(a[i].Weight, b[i].Weight);
            Assert.Equal(a[i].Bias, b[i].Bias);
        }
    }

    [Fact]
    public void Load_managed_runs_the_written_weights()
    {
        var (w, card) = Small();
        using var dir = new TempFolder();
        ModelPackage.Write(dir.Path, w, card);
        using var model = ModelPackage.Load(dir.Path);
        Assert.IsType<ManagedVarianceModel>(model);
        Assert.Equal((33, 4), (model.Bins, model.LatentDim));
        var z = TestModels.Gaussian(4 * 3, 9);
        var v = new float[3 * 33];
        model.Decode(z, 3, v);
        var reference = ReferenceVae.Decode(w, z.AsSpan(4, 4));
        for (int f = 0; f < 33; f++) Assert.Equal(reference[f], v[33 + f], 4);
    }

    [Fact]
    public void Garbage_bytes_are_a_clear_error_naming_the_file()
    {
        var (w, card) = Small();
        using var dir = new TempFolder();
        ModelPackage.Write(dir.Path, w, card);
        var junk = new byte[300];
        new Random(1).NextBytes(junk);
        File.WriteAllBytes(dir.File("encoder.onnx"), junk);
        var e = Assert.Throws<InvalidDataException>(() => ModelPackage.ReadWeights(dir.Path));
        Assert.Contains("encoder.onnx", e.Message);
        e = Assert.Throws<InvalidDataException>(() => ModelPackage.Load(dir.Path));
        Assert.Contains("encoder.onnx", e.Message);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.97)]
    [InlineData(0.0)]
    public void Truncated_file_is_a_clear_error_naming_the_file(double keep)
    {
        var (w, card) = Small();
        using var dir = new TempFolder();
        ModelPackage.Write(dir.Path, w, card);
        var bytes = File.ReadAllBytes(dir.File("decoder.onnx"));
        File.WriteAllBytes(dir.File("decoder.onnx"), bytes[..(int)(bytes.Length * keep)]);
        var e = Assert.Throws<InvalidDataException>(() => ModelPackage.ReadWeights(dir.Path));
        Assert.Contains("decoder.onnx", e.Message);
    }

    [Theory]
    [InlineData("encoder.onnx")]
    [InlineData("decoder.onnx")]
    [InlineData("model.json")]
    public void Missing_file_is_a_clear_error(string file)
    {
        var (w, card) = Small();
        using var dir = new TempFolder();
        ModelPackage.Write(dir.Path, w, card);
        File.Delete(dir.File(file));
        var e = Assert.Throws<InvalidDataException>(() => ModelPackage.Load(dir.Path));
        Assert.Contains(file, e.Message);
        Assert.Contains("missing", e.Message);
    }

    [Fact]
    public void Missing_folder_is_a_clear_error()
    {
        var e = Assert.Throws<InvalidDataException>(() => ModelPackage.ReadWeights("/nonexistent/rtdenoise-model"));
        Assert.Contains("/nonexistent/rtdenoise-model", e.Message);
    }

    [Theory]
    [InlineData("latent_dim")]
    [InlineData("bins")]
    [InlineData("encoder_hidden")]
    [InlineData("decoder_hidden")]
    [InlineData("activation")]
    [InlineData("input_transform")]
    [InlineData("input_standardized")]
    public void Card_that_disagrees_with_the_graphs_is_rejected_naming_the_field(string field)
    {
        var (w, card) = Small();
        using var dir = new TempFolder();
        ModelPackage.Write(dir.Path, w, card);
        var edited = ModelCard.FromJson(File.ReadAllText(dir.File("model.json")), "model.json");
        switch (field)
        {
            case "latent_dim": edited.LatentDim = 8; break;
            case "bins": edited.Bins = 65; edited.FftSize = 128; break;
            case "encoder_hidden": edited.EncoderHidden = [24]; break;
            case "decoder_hidden": edited.DecoderHidden = [32]; break;
            case "activation": edited.Activation = "relu"; break;
            case "input_transform": edited.InputTransform = "none"; break;
            case "input_standardized": edited.InputStandardized = false; break;
        }
        File.WriteAllText(dir.File("model.json"), edited.ToJson());
        var e = Assert.Throws<InvalidDataException>(() => ModelPackage.Load(dir.Path));
        Assert.Contains(field, e.Message);
        Assert.Contains("model.json", e.Message);
    }

    [Fact]
    public void Graph_swapped_for_another_models_graph_is_rejected()
    {
        var (w, card) = Small();
        var other = TestModels.Random(65, 4, [24, 16], [16], Activation.Tanh, seed: 6);
        using var dir = new TempFolder();
        using var otherDir = new TempFolder();
        ModelPackage.Write(dir.Path, w, card);
        ModelPackage.Write(otherDir.Path, other, TestModels.CardFor(other, Activation.Tanh));
        File.Copy(otherDir.File("decoder.onnx"), dir.File("decoder.onnx"), overwrite: true);
        var e = Assert.Throws<InvalidDataException>(() => ModelPackage.ReadWeights(dir.Path));
        Assert.Contains("decoder.onnx", e.Message);
        Assert.Contains("bins", e.Message);
    }

    [Fact]
    public void Write_refuses_a_card_that_does_not_describe_the_weights()
    {
        var (w, card) = Small();
        card.LatentDim = 5;
        using var dir = new TempFolder();
        var e = Assert.Throws<ArgumentException>(() => ModelPackage.Write(dir.Path, w, card));
        Assert.Contains("latent_dim", e.Message);
        Assert.False(File.Exists(dir.File("encoder.onnx")));
    }

    [Fact]
    public void Default_package_loads_or_says_none_is_embedded()
    {
        if (ModelPackage.HasEmbeddedDefault)
        {
            using var model = ModelPackage.Load(null);
            Assert.Equal(model.Card.FftSize / 2 + 1, model.Bins);
        }
        else
        {
            var e = Assert.Throws<InvalidDataException>(() => ModelPackage.Load(null));
            Assert.Contains("No default model is embedded", e.Message);
        }
    }
}

public class RandomWeightsTests
{
    [Fact]
    public void CreateRandom_is_deterministic_and_Describe_gives_a_card_Write_accepts()
    {
        var a = VaeWeights.CreateRandom(129, 8, [64, 32], [32], Activation.Relu, seed: 3);
        var b = VaeWeights.CreateRandom(129, 8, [64, 32], [32], Activation.Relu, seed: 3);
        var c = VaeWeights.CreateRandom(129, 8, [64, 32], [32], Activation.Relu, seed: 4);
        Assert.Equal(a.Decoder[0].Weight, b.Decoder[0].Weight);
        Assert.NotEqual(a.Decoder[0].Weight, c.Decoder[0].Weight);
        // Glorot-uniform bound sqrt(6 / (fan_in + fan_out)).
        float limit = MathF.Sqrt(6f / (129 + 64));
        Assert.All(a.EncoderHidden[0].Weight, v => Assert.InRange(v, -limit, limit));
        var card = ModelCard.Describe(a);
        Assert.Equal((256, 129, 8, "relu"), (card.FftSize, card.Bins, card.LatentDim, card.Activation));
        Assert.Equal([64, 32], card.EncoderHidden);
        Assert.Equal([32], card.DecoderHidden);
        using var dir = new TempFolder();
        ModelPackage.Write(dir.Path, a, card);
        Assert.Equal(a.Decoder[^1].Bias, ModelPackage.ReadWeights(dir.Path).Weights.Decoder[^1].Bias);
    }
}
