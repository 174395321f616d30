using ShawBot.Engine.IO;

namespace ShawBot.Engine.Model;

/// <summary>How to hold the base weights in memory.</summary>
public enum WeightFormat { Float32, Nf4, Fp4 }

public sealed record ModelLoadOptions
{
    /// <summary>Quantize linear weights while loading (NF4/FP4); a 4-bit checkpoint loads as 4-bit regardless.</summary>
    public WeightFormat Quantize { get; init; } = WeightFormat.Float32;
    public bool DoubleQuant { get; init; } = true;
    /// <summary>RoPE table length; 0 = min(max_position_embeddings, 32768).</summary>
    public int RopePositions { get; init; }
}

/// <summary>Builds a <see cref="LlamaModel"/> from a Hugging Face folder (config.json + safetensors).</summary>
public static partial class ModelLoader
{
    /// <summary>Loads tensor by tensor, so the model never exists twice in memory.</summary>
    public static LlamaModel Load(string folder, ModelLoadOptions? options = null, IProgress<(int Done, int Total)>? progress = null)
    {
        options ??= new ModelLoadOptions();
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"model folder not found: {folder}");
        var config = ModelConfig.Load(Path.Combine(folder, "config.json"));
        using var ck = SafetensorsCheckpoint.Open(folder);
        int c = config.HiddenSize, hs = config.HeadDim, inter = config.IntermediateSize;
        int qd = config.NumHeads * hs, kvd = config.NumKvHeads * hs;
        int total = config.NumLayers * 9 + 3, done = 0;
        void Step() => progress?.Report((++done, total));

        // 4-bit models keep a BF16 embedding and lm_head in BF16 (ModelLoader.Quantized.cs).
        bool keep16 = options.Quantize != WeightFormat.Float32 || config.Quantization is not null;
        TokenEmbedding embedding = LoadEmbedding(ck, config, keep16); Step();
        var layers = new LayerWeights[config.NumLayers];
        float[]? scratch = null;
        try
        {
            for (int l = 0; l < config.NumLayers; l++)
            {
                string p = $"model.layers.{l}.";
                ILinear Lin(string name, int rows, int cols)
                {
                    var lin = LoadLinear(ck, config, p + name, rows, cols, options, ref scratch);
                    Step();
                    return lin;
                }
                layers[l] = new LayerWeights
                {
                    InputNorm = ReadVector(ck, p + "input_layernorm.weight", [c]),
                    PostAttentionNorm = ReadVector(ck, p + "post_attention_layernorm.weight", [c]),
                    Q = Lin("self_attn.q_proj", qd, c), K = Lin("self_attn.k_proj", kvd, c), V = Lin("self_attn.v_proj", kvd, c),
                    O = Lin("self_attn.o_proj", c, qd), Gate = Lin("mlp.gate_proj", inter, c), Up = Lin("mlp.up_proj", inter, c),
                    Down = Lin("mlp.down_proj", c, inter),
                };
                Step(); Step();
            }
            float[] norm = ReadVector(ck, "model.norm.weight", [c]); Step();
            ILinear head;
            if (config.TieWordEmbeddings || !ck.Contains("lm_head.weight"))
            {
                if (!config.TieWordEmbeddings)
                    throw new SafetensorsFormatException(ck.Path, "lm_head.weight", null, "missing, and tie_word_embeddings is false");
                head = embedding.BFloat16Bits is { } bits
                    ? new Bf16Linear(bits, config.VocabSize, c)
                    : DenseLinear.FromRowMajor(embedding.Float32, config.VocabSize, c);
            }
            else head = LoadHead(ck, config, keep16);
            Step();
            return new LlamaModel(config, embedding, layers, norm, head, options.RopePositions) { Source = Path.GetFullPath(folder) };
        }
        catch
        {
            foreach (var layer in layers) layer?.Dispose();
            throw;
        }
    }

    internal static float[] ReadVector(SafetensorsCheckpoint ck, string name, long[] shape)
    {
        var e = CheckShape(ck, name, shape);
        var data = new float[e.ElementCount];
        ck.ReadFloat32(name, data);
        return data;
    }

    internal static TensorEntry CheckShape(SafetensorsCheckpoint ck, string name, long[] shape)
    {
        if (!ck.TryGetEntry(name, out var e))
            throw new SafetensorsFormatException(ck.Path, name, null, "tensor is missing from the checkpoint");
        if (!e.Shape.AsSpan().SequenceEqual(shape))
            throw new SafetensorsFormatException(ck.FileOf(name).FilePath, name, "shape",
                $"is [{string.Join(", ", e.Shape)}], config.json implies [{string.Join(", ", shape)}]");
        return e;
    }

    private static ILinear LoadLinear(SafetensorsCheckpoint ck, ModelConfig config, string module, int rows, int cols,
        ModelLoadOptions options, ref float[]? scratch)
    {
        string name = module + ".weight";
        var quantized = TryLoadQuantized(ck, module, rows, cols, options);
        if (quantized != null) return quantized;
        CheckShape(ck, name, [rows, cols]);
        long n = (long)rows * cols;
        if (scratch == null || scratch.Length < n) scratch = new float[n];
        Span<float> w = scratch.AsSpan(0, (int)n);
        ck.ReadFloat32(name, w);
        return QuantizeOrPack(w, rows, cols, options);
    }

    /// <summary>Hook for 4-bit checkpoints (Engine II): returns null when the module is stored dense.</summary>
    private static partial ILinear? TryLoadQuantized(SafetensorsCheckpoint ck, string module, int rows, int cols, ModelLoadOptions options);

    /// <summary>Hook for quantize-on-load (Engine II): packs fp32 when no quantization is asked.</summary>
    private static partial ILinear QuantizeOrPack(ReadOnlySpan<float> w, int rows, int cols, ModelLoadOptions options);
}
