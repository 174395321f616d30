using ShawBot.Engine.Kernels;
using ShawBot.Engine.Model;

namespace ShawBot.Engine.Lora;

/// <summary>
/// Folds an adapter into the base: W' = W + s · B A for every adapted projection, so inference
/// needs no adapter. Dense weights merge exactly (up to fp32 rounding); 4-bit weights are
/// dequantized, summed and quantized again, which changes results slightly (a warning says so).
/// </summary>
public static class LoraMerge
{
    /// <summary>Replaces the model's adapted linears in place; returns warnings for the caller to show.</summary>
    public static IReadOnlyList<string> MergeInto(LlamaModel model, LoraAdapter adapter, Func<float[], int, int, ILinear, ILinear>? requantize = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(adapter);
        var warnings = new List<string>();
        int r = adapter.Config.Rank;
        float s = adapter.Scaling;
        foreach (var m in adapter.Modules)
        {
            var layer = model.Layers[m.Layer];
            var lin = layer[m.Projection];
            if (lin.OutFeatures != m.Out || lin.InFeatures != m.In)
                throw new ArgumentException($"adapter module {m.PeftPrefix} is [{m.Out}, {m.In}], the model's is [{lin.OutFeatures}, {lin.InFeatures}]");
            float[] w = lin is RowMajorLinear rm ? rm.Weights : lin.ToDense();
            // W (Out, In) += s · B (Out, r) · A (r, In)
            var ba = new float[(long)m.Out * m.In];
            Gemm.Multiply(m.Out, m.In, r, adapter.B(m), r, false, adapter.A(m), m.In, false, ba, m.In, false);
            System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(ba, s, w, w);
            ILinear merged = lin switch
            {
                RowMajorLinear => lin,                                          // updated in place
                DenseLinear => DenseLinear.FromRowMajor(w, m.Out, m.In),
                _ when requantize != null => requantize(w, m.Out, m.In, lin),
                Nf4Linear q => Nf4Linear.Quantize(w, m.Out, m.In, q.QuantType, q.Weight.IsDoubleQuantized, q.OriginalDtype),
                _ => throw new NotSupportedException($"cannot merge into a {lin.GetType().Name}"),
            };
            if (lin is not RowMajorLinear and not DenseLinear && !warnings.Any(x => x.StartsWith("4-bit", StringComparison.Ordinal)))
                warnings.Add("4-bit base: merged weights were quantized again, so outputs differ slightly from base + adapter");
            if (!ReferenceEquals(merged, lin))
            {
                model.Layers[m.Layer] = Replace(layer, m.Projection, merged);
                lin.Dispose();
            }
        }
        return warnings;
    }

    private static LayerWeights Replace(LayerWeights l, Projection p, ILinear lin) => new()
    {
        InputNorm = l.InputNorm, PostAttentionNorm = l.PostAttentionNorm,
        Q = p == Projection.Q ? lin : l.Q, K = p == Projection.K ? lin : l.K, V = p == Projection.V ? lin : l.V,
        O = p == Projection.O ? lin : l.O, Gate = p == Projection.Gate ? lin : l.Gate, Up = p == Projection.Up ? lin : l.Up,
        Down = p == Projection.Down ? lin : l.Down,
    };
}
