using RealtimeDenoise.Enhancement;

namespace RealtimeDenoise.Training.Refiner;

/// <summary>
/// Averages the corrections of several refiners (an ensemble of separately trained runs) as one wider network the
/// Engine reads like any other: the first layers are stacked after moving each onto a common input standardisation,
/// the hidden layers are placed block-diagonally, and the last layers are concatenated and divided by their number.
/// The result computes (1/N)·Σ oᵢ(x) exactly (up to float rounding); its zero blocks are computed too, so it costs
/// somewhat more than the N networks run apart.
/// </summary>
internal static class MaskRefinerAverage
{
    public static MaskRefinerWeights Average(IReadOnlyList<MaskRefinerWeights> refiners)
    {
        if (refiners.Count == 0) throw new ArgumentException("no refiners to average.");
        foreach (var r in refiners) _ = new MaskRefiner(r); // validates each
        int depth = refiners[0].Layers.Count;
        if (depth < 2 || refiners.Any(r => r.Layers.Count != depth))
            throw new ArgumentException("refiners can be averaged when all have the same number of layers, two or more.");

        int inputs = MaskRefinerFeatures.Count, n = refiners.Count;
        var mean = new float[inputs];
        var scale = new float[inputs];
        for (int d = 0; d < inputs; d++)
        {
            mean[d] = (float)refiners.Average(r => (double)r.InputMean[d]);
            scale[d] = (float)Math.Exp(refiners.Average(r => Math.Log(r.InputScale[d])));
        }

        var layers = new List<MaskRefinerLayer>(depth);
        for (int l = 0; l < depth; l++)
        {
            bool first = l == 0, last = l == depth - 1;
            int rowsOut = last ? 1 : refiners.Sum(r => r.Layers[l].Outputs);
            int colsIn = first ? inputs : refiners.Sum(r => r.Layers[l].Inputs);
            var weight = new float[rowsOut * colsIn];
            var bias = new float[rowsOut];
            int rowAt = 0, colAt = 0;
            foreach (var r in refiners)
            {
                var layer = r.Layers[l];
                for (int o = 0; o < layer.Outputs; o++)
                {
                    int row = last ? 0 : rowAt + o;
                    double b = layer.Bias[o];
                    for (int i = 0; i < layer.Inputs; i++)
                    {
                        double w = layer.Weight[o * layer.Inputs + i];
                        if (first)
                        {
                            // w·(x − μᵣ)/sᵣ = (w·s/sᵣ)·(x − μ)/s + w·(μ − μᵣ)/sᵣ
                            b += w * (mean[i] - r.InputMean[i]) / r.InputScale[i];
                            w *= scale[i] / r.InputScale[i];
                        }
                        weight[row * colsIn + (first ? i : colAt + i)] += (float)(last ? w / n : w);
                    }
                    bias[row] += (float)(last ? b / n : b);
                }
                rowAt += layer.Outputs;
                colAt += layer.Inputs;
            }
            layers.Add(new MaskRefinerLayer { Inputs = colsIn, Outputs = rowsOut, Weight = weight, Bias = bias });
        }
        var averaged = new MaskRefinerWeights
        {
            Description = $"average of {n} refiners: " + string.Join(" | ", refiners.Select(r => r.Description)),
            InputMean = mean,
            InputScale = scale,
            Layers = layers,
        };
        _ = new MaskRefiner(averaged); // validates the result
        return averaged;
    }
}
