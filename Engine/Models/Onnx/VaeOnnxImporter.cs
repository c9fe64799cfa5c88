using System.Buffers.Binary;
using Google.Protobuf;
using RealtimeDenoise.Models.Onnx.Proto;

namespace RealtimeDenoise.Models.Onnx;

/// <summary>
/// Reads the weights back out of encoder.onnx / decoder.onnx by walking the graph from its input:
/// the node pattern <see cref="VaeOnnxExporter"/> writes (Add/Log/Sub/Div input steps, Gemm layers with
/// Tanh/Relu/identity activations). Anything else is rejected with the file and the offending field named,
/// never silently misread.
/// </summary>
internal static class VaeOnnxImporter
{
    public sealed record EncoderGraph(EncoderInputTransform Input, DenseLayer[] Hidden, DenseLayer Mu, DenseLayer LogVar);

    public static ModelProto Parse(byte[] bytes, string file)
    {
        if (bytes.Length == 0) throw new InvalidDataException($"{file}: the file is empty.");
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"{file}: not a valid ONNX model (protobuf: {e.Message}).", e);
        }
        if (model.Graph is null) throw new InvalidDataException($"{file}: field 'graph' is missing (not an ONNX model, or the file is truncated).");
        if (model.IrVersion <= 0) throw new InvalidDataException($"{file}: field 'ir_version' is missing (not an ONNX model, or the file is truncated).");
        return model;
    }

    public static EncoderGraph ReadEncoder(ModelProto model, string file)
    {
        var g = new GraphView(model.Graph, file);
        g.RequireSingleInput(VaeOnnx.PowerInput, out int bins);
        g.RequireOutputs(VaeOnnx.MuOutput, VaeOnnx.LogVarOutput);

        string cur = VaeOnnx.PowerInput;
        bool log = false;
        float epsilon = 0;
        float[]? mean = null, std = null;
        var next = g.OnlyConsumer(cur);
        if (next?.OpType == "Add")
        {
            epsilon = g.Constant(next, cur, 1, "input epsilon")[0];
            cur = next.Output[0];
            next = g.OnlyConsumer(cur);
            if (next?.OpType != "Log") throw g.Error($"value '{cur}'", "expected Log after the epsilon Add");
        }
        if (next?.OpType == "Log")
        {
            log = true;
            cur = next.Output[0];
            next = g.OnlyConsumer(cur);
        }
        if (next?.OpType == "Sub")
        {
            mean = g.Constant(next, cur, bins, "input mean");
            cur = next.Output[0];
            next = g.OnlyConsumer(cur);
        }
        if (next?.OpType == "Div")
        {
            std = g.Constant(next, cur, bins, "input std");
            cur = next.Output[0];
        }

        var hidden = new List<DenseLayer>();
        int width = bins;
        while (true)
        {
            var consumers = g.Consumers(cur);
            if (consumers.Count == 2) break; // the two heads
            if (consumers.Count != 1) throw g.Error($"value '{cur}'", $"expected one consumer (a hidden Gemm) or two (the mu and logvar heads), found {consumers.Count}");
            if (hidden.Count > 64) throw g.Error("graph", "more than 64 hidden layers; not a VAE encoder");
            var layer = g.ReadDense(consumers[0], cur, width, out cur);
            hidden.Add(layer);
            width = layer.Outputs;
        }
        DenseLayer? mu = null, logVar = null;
        foreach (var head in g.Consumers(cur))
        {
            var layer = g.ReadDense(head, cur, width, out string outName);
            if (outName == VaeOnnx.MuOutput && mu is null) mu = layer;
            else if (outName == VaeOnnx.LogVarOutput && logVar is null) logVar = layer;
            else throw g.Error($"node '{head.Name}'", $"a head must produce graph output '{VaeOnnx.MuOutput}' or '{VaeOnnx.LogVarOutput}', found '{outName}'");
        }
        if (mu!.Outputs != logVar!.Outputs) throw g.Error("graph outputs", $"mu has {mu.Outputs} values per frame but logvar has {logVar.Outputs}");
        g.RequireOutputWidth(VaeOnnx.MuOutput, mu.Outputs);
        g.RequireOutputWidth(VaeOnnx.LogVarOutput, logVar.Outputs);
        return new EncoderGraph(new EncoderInputTransform(log, epsilon, mean, std), hidden.ToArray(), mu, logVar);
    }

    public static DenseLayer[] ReadDecoder(ModelProto model, string file)
    {
        var g = new GraphView(model.Graph, file);
        g.RequireSingleInput(VaeOnnx.LatentInput, out int latent);
        g.RequireOutputs(VaeOnnx.LogVarianceOutput);
        var layers = new List<DenseLayer>();
        string cur = VaeOnnx.LatentInput;
        int width = latent;
        while (cur != VaeOnnx.LogVarianceOutput)
        {
            if (layers.Count > 64) throw g.Error("graph", "more than 64 layers; not a VAE decoder");
            var layer = g.ReadDense(g.SingleConsumer(cur), cur, width, out cur);
            layers.Add(layer);
            width = layer.Outputs;
        }
        g.RequireOutputWidth(VaeOnnx.LogVarianceOutput, width);
        return layers.ToArray();
    }

    /// <summary>Indexes one graph: initializers by name, consumers by value name.</summary>
    private sealed class GraphView
    {
        private readonly GraphProto _graph;
        private readonly string _file;
        private readonly Dictionary<string, TensorProto> _initializers = new(StringComparer.Ordinal);
        private readonly Dictionary<string, List<NodeProto>> _consumers = new(StringComparer.Ordinal);

        public GraphView(GraphProto graph, string file)
        {
            _graph = graph;
            _file = file;
            foreach (var t in graph.Initializer) _initializers[t.Name] = t;
            foreach (var n in graph.Node)
                foreach (var input in n.Input)
                {
                    if (!_consumers.TryGetValue(input, out var list)) _consumers[input] = list = [];
                    list.Add(n);
                }
        }

        public InvalidDataException Error(string field, string problem) => new($"{_file}: {field}: {problem}.");

        public List<NodeProto> Consumers(string value) => _consumers.TryGetValue(value, out var list) ? list : [];

        /// <summary>The consumer of a value when there is exactly one with one output, else null.</summary>
        public NodeProto? OnlyConsumer(string value)
        {
            var list = Consumers(value);
            return list.Count == 1 && list[0].Output.Count == 1 ? list[0] : null;
        }

        public NodeProto SingleConsumer(string value)
        {
            var list = Consumers(value);
            if (list.Count != 1) throw Error($"value '{value}'", list.Count == 0 ? "nothing consumes it (graph incomplete or truncated)" : $"expected one consumer, found {list.Count}");
            var node = list[0];
            if (node.Output.Count != 1) throw Error($"node '{node.Name}'", $"expected one output, found {node.Output.Count}");
            return node;
        }

        public void RequireSingleInput(string name, out int width)
        {
            var inputs = _graph.Input.Where(i => !_initializers.ContainsKey(i.Name)).ToArray();
            if (inputs.Length != 1 || inputs[0].Name != name)
                throw Error("graph input", $"expected one input '{name}', found [{string.Join(", ", inputs.Select(i => i.Name))}]");
            width = Width(inputs[0], "graph input");
        }

        public void RequireOutputs(params string[] names)
        {
            var found = _graph.Output.Select(o => o.Name).ToArray();
            if (!found.OrderBy(n => n, StringComparer.Ordinal).SequenceEqual(names.OrderBy(n => n, StringComparer.Ordinal)))
                throw Error("graph output", $"expected [{string.Join(", ", names)}], found [{string.Join(", ", found)}]");
        }

        public void RequireOutputWidth(string name, int width)
        {
            int declared = Width(_graph.Output.First(o => o.Name == name), "graph output");
            if (declared != width) throw Error($"graph output '{name}'", $"declared shape [N,{declared}] but the layers compute {width} values");
        }

        /// <summary>The fixed second dimension of a float [N, width] value.</summary>
        private int Width(ValueInfoProto v, string what)
        {
            var t = v.Type?.TensorType;
            if (t is null) throw Error($"{what} '{v.Name}'", "has no tensor type");
            if (t.ElemType != VaeOnnx.FloatType) throw Error($"{what} '{v.Name}'", $"element type {t.ElemType}, expected float (1)");
            var dims = t.Shape?.Dim;
            if (dims is null || dims.Count != 2) throw Error($"{what} '{v.Name}'", $"expected shape [N, width], found rank {dims?.Count ?? 0}");
            if (dims[0].ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue)
                throw Error($"{what} '{v.Name}'", $"batch dimension is fixed at {dims[0].DimValue}; it must be symbolic (dynamic batch)");
            if (dims[1].ValueCase != TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue || dims[1].DimValue <= 0)
                throw Error($"{what} '{v.Name}'", "second dimension must be a fixed positive size");
            return checked((int)dims[1].DimValue);
        }

        /// <summary>The initializer operand of a binary node whose other operand is <paramref name="x"/>.</summary>
        public float[] Constant(NodeProto node, string x, int expectedLength, string what)
        {
            if (node.Input.Count != 2 || node.Input[0] != x) throw Error($"node '{node.Name}'", $"{node.OpType} for the {what} must take ({x}, constant)");
            var values = Floats(node.Input[1], out _);
            if (values.Length != expectedLength) throw Error($"initializer '{node.Input[1]}'", $"the {what} has {values.Length} values, expected {expectedLength}");
            return values;
        }

        /// <summary>Gemm(x, W, b) [+ Tanh/Relu] → a dense layer; <paramref name="output"/> is the value it finally produces.</summary>
        public DenseLayer ReadDense(NodeProto gemm, string x, int inputs, out string output)
        {
            string where = $"node '{gemm.Name}'";
            if (gemm.OpType != "Gemm") throw Error(where, $"expected Gemm, found {gemm.OpType}");
            if (gemm.Input.Count is < 2 or > 3 || gemm.Input[0] != x || gemm.Output.Count != 1)
                throw Error(where, $"Gemm must take ({x}, W[, b]) and produce one output");
            long transA = 0, transB = 0;
            float alpha = 1, beta = 1;
            foreach (var a in gemm.Attribute)
            {
                switch (a.Name)
                {
                    case "transA": transA = a.I; break;
                    case "transB": transB = a.I; break;
                    case "alpha": alpha = a.F; break;
                    case "beta": beta = a.F; break;
                    default: throw Error(where, $"unsupported Gemm attribute '{a.Name}'");
                }
            }
            if (transA != 0 || alpha != 1f || beta != 1f) throw Error(where, "only Gemm with transA=0, alpha=1, beta=1 is supported");
            var w = Floats(gemm.Input[1], out var wDims);
            if (wDims.Length != 2) throw Error($"initializer '{gemm.Input[1]}'", $"weight must be 2-D, found rank {wDims.Length}");
            // Stored [out, in] with transB = 1, or [in, out] with transB = 0 (then transposed here).
            int outputs = checked((int)(transB != 0 ? wDims[0] : wDims[1]));
            int ins = checked((int)(transB != 0 ? wDims[1] : wDims[0]));
            if (ins != inputs) throw Error($"initializer '{gemm.Input[1]}'", $"weight expects {ins} inputs but the layer receives {inputs}");
            if (transB == 0) w = Transpose(w, ins, outputs);
            float[] b = new float[outputs];
            if (gemm.Input.Count == 3 && gemm.Input[2].Length > 0)
            {
                b = Floats(gemm.Input[2], out _);
                if (b.Length != outputs) throw Error($"initializer '{gemm.Input[2]}'", $"bias has {b.Length} values, expected {outputs}");
            }
            string linear = gemm.Output[0];
            output = linear;
            var activation = Activation.Identity;
            var after = Consumers(linear);
            if (after.Count == 1 && after[0].OpType is "Tanh" or "Relu" && after[0].Input.Count == 1 && after[0].Output.Count == 1
                && !_graph.Output.Any(o => o.Name == linear))
            {
                activation = after[0].OpType == "Tanh" ? Activation.Tanh : Activation.Relu;
                output = after[0].Output[0];
            }
            return new DenseLayer(ins, outputs, activation, w, b);
        }

        private static float[] Transpose(float[] a, int rows, int cols)
        {
            var t = new float[a.Length];
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < cols; c++)
                    t[c * rows + r] = a[r * cols + c];
            return t;
        }

        /// <summary>Float values of an initializer (raw_data, float_data or double_data), with its dims.</summary>
        public float[] Floats(string name, out long[] dims)
        {
            if (!_initializers.TryGetValue(name, out var t)) throw Error($"initializer '{name}'", "missing (graph incomplete or truncated)");
            string where = $"initializer '{name}'";
            if (t.DataLocation != 0) throw Error(where, "external data is not supported");
            dims = t.Dims.ToArray();
            long count = 1;
            foreach (var d in dims)
            {
                if (d < 0) throw Error(where, $"negative dimension {d}");
                count *= d;
            }
            float[] values;
            if (t.DataType == VaeOnnx.FloatType)
            {
                if (!t.RawData.IsEmpty)
                {
                    if (t.RawData.Length != count * sizeof(float)) throw Error(where, $"raw_data has {t.RawData.Length} bytes, expected {count * sizeof(float)} for shape [{string.Join(",", dims)}]");
                    values = new float[count];
                    var span = t.RawData.Span;
                    for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(span[(i * sizeof(float))..]);
                }
                else values = t.FloatData.ToArray();
            }
            else if (t.DataType == VaeOnnx.DoubleType)
            {
                if (!t.RawData.IsEmpty)
                {
                    if (t.RawData.Length != count * sizeof(double)) throw Error(where, $"raw_data has {t.RawData.Length} bytes, expected {count * sizeof(double)}");
                    values = new float[count];
                    var span = t.RawData.Span;
                    for (int i = 0; i < values.Length; i++) values[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(span[(i * sizeof(double))..]);
                }
                else values = t.DoubleData.Select(v => (float)v).ToArray();
            }
            else throw Error(where, $"data type {t.DataType} is not float (1) or double (11)");
            if (values.Length != count) throw Error(where, $"has {values.Length} values, expected {count} for shape [{string.Join(",", dims)}]");
            foreach (var v in values)
                if (!float.IsFinite(v)) throw Error(where, "contains NaN or infinity");
            return values;
        }
    }
}
