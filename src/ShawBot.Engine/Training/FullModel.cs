using ShawBot.Engine.IO;
using ShawBot.Engine.Lora;
using ShawBot.Engine.Model;

namespace ShawBot.Engine.Training;

/// <summary>
/// A decoder whose every weight is trainable (full mode, `shawbot pretrain`): the model's linears
/// are <see cref="RowMajorLinear"/> views of arrays that the optimizer updates in place, listed in
/// the same order as <see cref="FullGradients.All"/>.
/// </summary>
public static class FullModel
{
    /// <summary>GPT-2 style init: weights ~ N(0, 0.02), output projections scaled by 1/√(2L), norms 1.</summary>
    public static LlamaModel CreateRandom(ModelConfig c, ulong seed)
    {
        var rng = new SplitMix(seed);
        float[] Normal(long n, double std)
        {
            var a = new float[n];
            for (long i = 0; i < n; i++) a[i] = (float)(rng.NextGaussian() * std);
            return a;
        }
        float[] Ones(int n) { var a = new float[n]; Array.Fill(a, 1f); return a; }
        var emb = Normal((long)c.VocabSize * c.HiddenSize, 0.02);
        double outStd = 0.02 / Math.Sqrt(2 * c.NumLayers);
        var layers = new LayerWeights[c.NumLayers];
        for (int l = 0; l < c.NumLayers; l++)
        {
            RowMajorLinear Lin(Projection p, double std)
            {
                var (o, i) = LoraAdapter.Shape(c, p);
                return new RowMajorLinear(Normal((long)o * i, std), o, i);
            }
            layers[l] = new LayerWeights
            {
                InputNorm = Ones(c.HiddenSize), PostAttentionNorm = Ones(c.HiddenSize),
                Q = Lin(Projection.Q, 0.02), K = Lin(Projection.K, 0.02), V = Lin(Projection.V, 0.02), O = Lin(Projection.O, outStd),
                Gate = Lin(Projection.Gate, 0.02), Up = Lin(Projection.Up, 0.02), Down = Lin(Projection.Down, outStd),
            };
        }
        ILinear head = c.TieWordEmbeddings ? new RowMajorLinear(emb, c.VocabSize, c.HiddenSize)
            : new RowMajorLinear(Normal((long)c.VocabSize * c.HiddenSize, 0.02), c.VocabSize, c.HiddenSize);
        return new LlamaModel(c, emb, layers, Ones(c.HiddenSize), head);
    }

    /// <summary>Loads a folder with every linear as a trainable <see cref="RowMajorLinear"/>.</summary>
    public static LlamaModel LoadTrainable(string folder)
    {
        var c = ModelConfig.Load(Path.Combine(folder, "config.json"));
        using var ck = SafetensorsCheckpoint.Open(folder);
        float[] Read(string name, long[] shape) => ModelLoader.ReadVector(ck, name, shape);
        var emb = Read("model.embed_tokens.weight", [c.VocabSize, c.HiddenSize]);
        var layers = new LayerWeights[c.NumLayers];
        for (int l = 0; l < c.NumLayers; l++)
        {
            string p = $"model.layers.{l}.";
            RowMajorLinear Lin(Projection pr)
            {
                var (o, i) = LoraAdapter.Shape(c, pr);
                return new RowMajorLinear(Read(p + LayerWeights.ModuleName(pr) + ".weight", [o, i]), o, i);
            }
            layers[l] = new LayerWeights
            {
                InputNorm = Read(p + "input_layernorm.weight", [c.HiddenSize]), PostAttentionNorm = Read(p + "post_attention_layernorm.weight", [c.HiddenSize]),
                Q = Lin(Projection.Q), K = Lin(Projection.K), V = Lin(Projection.V), O = Lin(Projection.O),
                Gate = Lin(Projection.Gate), Up = Lin(Projection.Up), Down = Lin(Projection.Down),
            };
        }
        ILinear head = c.TieWordEmbeddings ? new RowMajorLinear(emb, c.VocabSize, c.HiddenSize)
            : new RowMajorLinear(Read("lm_head.weight", [c.VocabSize, c.HiddenSize]), c.VocabSize, c.HiddenSize);
        return new LlamaModel(c, emb, layers, Read("model.norm.weight", [c.HiddenSize]), head) { Source = Path.GetFullPath(folder) };
    }

    /// <summary>The trainable arrays, in <see cref="FullGradients.All"/>'s order.</summary>
    public static IEnumerable<float[]> Parameters(LlamaModel m)
    {
        yield return m.Embedding;
        foreach (var l in m.Layers)
        {
            yield return l.InputNorm; yield return l.PostAttentionNorm;
            foreach (var p in Enum.GetValues<Projection>()) yield return Weights(l[p]);
        }
        yield return m.FinalNorm;
        if (!m.Config.TieWordEmbeddings) yield return Weights(m.LmHead);
    }

    private static float[] Weights(ILinear l) => l is RowMajorLinear r ? r.Weights
        : throw new InvalidOperationException("full-mode training needs a model built by FullModel (RowMajorLinear weights)");

    /// <summary>Writes a Hugging Face folder (config.json + model.safetensors in F32 or BF16).</summary>
    public static void Save(LlamaModel m, string folder, bool bf16)
    {
        Directory.CreateDirectory(folder);
        var c = m.Config;
        var tensors = new List<TensorToWrite>();
        void Add(string name, float[] data, long[] shape) =>
            tensors.Add(bf16 ? TensorToWrite.FromFloat32AsBFloat16(name, shape, data) : TensorToWrite.FromFloat32(name, shape, data));
        Add("model.embed_tokens.weight", m.Embedding, [c.VocabSize, c.HiddenSize]);
        for (int l = 0; l < c.NumLayers; l++)
        {
            var w = m.Layers[l];
            string p = $"model.layers.{l}.";
            foreach (var pr in Enum.GetValues<Projection>())
            {
                var (o, i) = LoraAdapter.Shape(c, pr);
                Add(p + LayerWeights.ModuleName(pr) + ".weight", Weights(w[pr]), [o, i]);
            }
            Add(p + "input_layernorm.weight", w.InputNorm, [c.HiddenSize]);
            Add(p + "post_attention_layernorm.weight", w.PostAttentionNorm, [c.HiddenSize]);
        }
        Add("model.norm.weight", m.FinalNorm, [c.HiddenSize]);
        if (!c.TieWordEmbeddings) Add("lm_head.weight", Weights(m.LmHead), [c.VocabSize, c.HiddenSize]);
        SafetensorsWriter.Write(Path.Combine(folder, "model.safetensors"), tensors, new Dictionary<string, string> { ["format"] = "pt" });
        var cfg = c with { TorchDtype = bf16 ? "bfloat16" : "float32" };
        File.WriteAllText(Path.Combine(folder, "config.json"), cfg.ToJson());
    }
}
