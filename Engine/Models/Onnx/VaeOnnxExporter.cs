using Google.Protobuf;
using RealtimeDenoise.Models.Onnx.Proto;

namespace RealtimeDenoise.Models.Onnx;

/// <summary>Names and versions shared by the ONNX exporter and importer: the contract of encoder.onnx / decoder.onnx.</summary>
internal static class VaeOnnx
{
    public const string EncoderFile = "encoder.onnx";
    public const string DecoderFile = "decoder.onnx";
    public const string CardFile = "model.json";

    public const string PowerInput = "power";
    public const string MuOutput = "mu";
    public const string LogVarOutput = "logvar";
    public const string LatentInput = "z";
    public const string LogVarianceOutput = "log_variance";
    /// <summary>Symbolic batch dimension of every input and output.</summary>
    public const string BatchDim = "N";

    /// <summary>IR 8 / opset 17: accepted by ONNX Runtime ≥ 1.14 (we test 1.23).</summary>
    public const long IrVersion = 8;
    public const long OpsetVersion = 17;
    public const string Producer = "RealtimeDenoise";

    public const int FloatType = 1;
    public const int DoubleType = 11;
}

/// <summary>
/// Writes <see cref="VaeWeights"/> as two ONNX graphs. encoder: power[N,F] → Add(ε) → Log → Sub(mean) → Div(std)
/// → (Gemm(transB=1) → act)* → two Gemm heads mu[N,L], logvar[N,L]. decoder: z[N,L] → (Gemm → act)* → log_variance[N,F].
/// Steps the weights do not use (no log, no mean/std) are left out. Weights are stored as raw little-endian floats.
/// </summary>
internal static class VaeOnnxExporter
{
    public static byte[] Encoder(VaeWeights weights)
    {
        int bins = weights.Bins, latent = weights.LatentDim;
        var g = new GraphBuilder("vae_encoder");
        string cur = VaeOnnx.PowerInput;
        var input = weights.Input;
        if (input.Log)
        {
            g.Initializer("input.epsilon", [], [input.Epsilon]);
            cur = g.Node("Add", [cur, "input.epsilon"], "input.shifted");
            cur = g.Node("Log", [cur], "input.log");
        }
        if (input.Mean is not null)
        {
            g.Initializer("input.mean", [bins], input.Mean);
            cur = g.Node("Sub", [cur, "input.mean"], "input.centered");
        }
        if (input.Std is not null)
        {
            g.Initializer("input.std", [bins], input.Std);
            cur = g.Node("Div", [cur, "input.std"], "input.features");
        }
        for (int i = 0; i < weights.EncoderHidden.Length; i++)
            cur = g.Dense(weights.EncoderHidden[i], cur, $"hidden.{i}", output: null);
        g.Dense(weights.EncoderMu, cur, "mu", VaeOnnx.MuOutput);
        g.Dense(weights.EncoderLogVar, cur, "logvar", VaeOnnx.LogVarOutput);
        g.Input(VaeOnnx.PowerInput, bins);
        g.Output(VaeOnnx.MuOutput, latent);
        g.Output(VaeOnnx.LogVarOutput, latent);
        return g.ToModel("VAE encoder: raw power spectrum → posterior mean and log-variance of z.");
    }

    public static byte[] Decoder(VaeWeights weights)
    {
        var g = new GraphBuilder("vae_decoder");
        string cur = VaeOnnx.LatentInput;
        var layers = weights.Decoder;
        for (int i = 0; i < layers.Length; i++)
            cur = g.Dense(layers[i], cur, $"layer.{i}", i == layers.Length - 1 ? VaeOnnx.LogVarianceOutput : null);
        g.Input(VaeOnnx.LatentInput, weights.LatentDim);
        g.Output(VaeOnnx.LogVarianceOutput, layers[^1].Outputs);
        return g.ToModel("VAE decoder: latent z → log speech variance per frequency bin.");
    }

    private sealed class GraphBuilder(string name)
    {
        private readonly GraphProto _graph = new() { Name = name };

        public void Initializer(string tensorName, long[] dims, float[] values)
        {
            var t = new TensorProto { Name = tensorName, DataType = VaeOnnx.FloatType };
            t.Dims.AddRange(dims);
            var bytes = new byte[values.Length * sizeof(float)];
            // ONNX raw_data is little-endian; so is every platform .NET runs on, but say it explicitly.
            for (int i = 0; i < values.Length; i++)
                System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), values[i]);
            t.RawData = ByteString.CopyFrom(bytes);
            _graph.Initializer.Add(t);
        }

        public string Node(string op, string[] inputs, string output, params AttributeProto[] attributes)
        {
            var n = new NodeProto { OpType = op, Name = output + "." + op };
            n.Input.AddRange(inputs);
            n.Output.Add(output);
            n.Attribute.AddRange(attributes);
            _graph.Node.Add(n);
            return output;
        }

        /// <summary>Gemm(x, W, b, transB=1) followed by the layer's activation; the last node writes <paramref name="output"/> when given.</summary>
        public string Dense(DenseLayer layer, string x, string prefix, string? output)
        {
            Initializer(prefix + ".weight", [layer.Outputs, layer.Inputs], layer.Weight);
            Initializer(prefix + ".bias", [layer.Outputs], layer.Bias);
            string gemmOut = layer.Activation == Activation.Identity && output is not null ? output : prefix + ".linear";
            var transB = new AttributeProto { Name = "transB", Type = AttributeProto.Types.AttributeType.Int, I = 1 };
            Node("Gemm", [x, prefix + ".weight", prefix + ".bias"], gemmOut, transB);
            return layer.Activation switch
            {
                Activation.Identity => gemmOut,
                Activation.Tanh => Node("Tanh", [gemmOut], output ?? prefix + ".tanh"),
                Activation.Relu => Node("Relu", [gemmOut], output ?? prefix + ".relu"),
                _ => throw new ArgumentOutOfRangeException(nameof(layer), $"Activation {layer.Activation} has no ONNX export."),
            };
        }

        public void Input(string valueName, int width) => _graph.Input.Add(ValueInfo(valueName, width));

        public void Output(string valueName, int width) => _graph.Output.Add(ValueInfo(valueName, width));

        private static ValueInfoProto ValueInfo(string valueName, int width)
        {
            var shape = new TensorShapeProto();
            shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = VaeOnnx.BatchDim });
            shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = width });
            return new ValueInfoProto
            {
                Name = valueName,
                Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = VaeOnnx.FloatType, Shape = shape } },
            };
        }

        public byte[] ToModel(string doc)
        {
            var model = new ModelProto
            {
                IrVersion = VaeOnnx.IrVersion,
                ProducerName = VaeOnnx.Producer,
                ProducerVersion = typeof(VaeOnnxExporter).Assembly.GetName().Version?.ToString() ?? "",
                DocString = doc,
                Graph = _graph,
            };
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = VaeOnnx.OpsetVersion });
            return model.ToByteArray();
        }
    }
}
