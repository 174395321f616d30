using System.Text.Json;
using ShawBot.Engine.IO;

namespace ShawBot.Bench;

/// <summary>
/// A Mistral-7B-shaped model with random BF16 weights (hidden 4096, MLP 14336, 32 heads, 8 KV
/// heads, head size 128, vocab 32000) written as a sharded Hugging Face folder under /tmp: one
/// shard per layer plus one for embed_tokens / norm / lm_head, so at most one layer (436 MB) is
/// in memory while writing. <see cref="WithLayers"/> makes a sibling folder whose config keeps
/// fewer layers, linking the same shards (the loader reads only the layers the config names).
/// </summary>
internal sealed class SyntheticModel : IDisposable
{
    public const int Hidden = 4096, Inter = 14336, Heads = 32, KvHeads = 8, HeadDim = 128, Vocab = 32000;

    public string Root { get; }
    public string Folder { get; }
    public int Layers { get; }

    private SyntheticModel(string root, int layers)
    {
        Root = root; Layers = layers; Folder = Path.Combine(root, $"L{layers}");
    }

    public static long LinearParamsPerLayer =>
        (long)Heads * HeadDim * Hidden * 2 + (long)KvHeads * HeadDim * Hidden * 2 + 3L * Inter * Hidden;

    public static SyntheticModel Create(int layers)
    {
        var m = new SyntheticModel(Directory.CreateTempSubdirectory("shawbot-bench-").FullName, layers);
        Directory.CreateDirectory(m.Folder);
        var map = new Dictionary<string, string>();
        string Shard(int i) => $"model-{i:00000}-of-{layers + 1:00000}.safetensors";
        ulong seed = 12345;
        for (int l = 0; l < layers; l++)
        {
            string p = $"model.layers.{l}.";
            var tensors = new List<TensorToWrite>
            {
                Ones(p + "input_layernorm.weight", Hidden), Ones(p + "post_attention_layernorm.weight", Hidden),
                Random(p + "self_attn.q_proj.weight", Heads * HeadDim, Hidden, ref seed),
                Random(p + "self_attn.k_proj.weight", KvHeads * HeadDim, Hidden, ref seed),
                Random(p + "self_attn.v_proj.weight", KvHeads * HeadDim, Hidden, ref seed),
                Random(p + "self_attn.o_proj.weight", Hidden, Heads * HeadDim, ref seed),
                Random(p + "mlp.gate_proj.weight", Inter, Hidden, ref seed),
                Random(p + "mlp.up_proj.weight", Inter, Hidden, ref seed),
                Random(p + "mlp.down_proj.weight", Hidden, Inter, ref seed),
            };
            SafetensorsWriter.Write(Path.Combine(m.Folder, Shard(l + 1)), tensors, new Dictionary<string, string> { ["format"] = "pt" });
            foreach (var t in tensors) map[t.Name] = Shard(l + 1);
        }
        var last = new List<TensorToWrite>
        {
            Random("model.embed_tokens.weight", Vocab, Hidden, ref seed), Ones("model.norm.weight", Hidden), Random("lm_head.weight", Vocab, Hidden, ref seed),
        };
        SafetensorsWriter.Write(Path.Combine(m.Folder, Shard(layers + 1)), last, new Dictionary<string, string> { ["format"] = "pt" });
        foreach (var t in last) map[t.Name] = Shard(layers + 1);
        File.WriteAllText(Path.Combine(m.Folder, SafetensorsCheckpoint.IndexFileName),
            JsonSerializer.Serialize(new Dictionary<string, object> { ["metadata"] = new Dictionary<string, object>(), ["weight_map"] = map }));
        WriteConfig(m.Folder, layers);
        return m;
    }

    /// <summary>The same shards under a config with fewer layers.</summary>
    public string WithLayers(int layers)
    {
        string dir = Path.Combine(Root, $"L{layers}");
        if (Directory.Exists(dir)) return dir;
        Directory.CreateDirectory(dir);
        foreach (string f in Directory.GetFiles(Folder))
            if (Path.GetFileName(f) != "config.json") File.CreateSymbolicLink(Path.Combine(dir, Path.GetFileName(f)), f);
        WriteConfig(dir, layers);
        return dir;
    }

    private static void WriteConfig(string dir, int layers) => File.WriteAllText(Path.Combine(dir, "config.json"), $$"""
        {"architectures": ["MistralForCausalLM"], "model_type": "mistral", "hidden_size": {{Hidden}}, "intermediate_size": {{Inter}},
         "num_hidden_layers": {{layers}}, "num_attention_heads": {{Heads}}, "num_key_value_heads": {{KvHeads}}, "head_dim": {{HeadDim}},
         "vocab_size": {{Vocab}}, "rope_theta": 1000000.0, "rms_norm_eps": 1e-05, "max_position_embeddings": 32768,
         "tie_word_embeddings": false, "hidden_act": "silu", "bos_token_id": 1, "eos_token_id": 2, "torch_dtype": "bfloat16", "sliding_window": null}
        """);

    private static TensorToWrite Ones(string name, int n)
    {
        var v = new float[n];
        Array.Fill(v, 1f);
        return TensorToWrite.FromFloat32AsBFloat16(name, [n], v);
    }

    /// <summary>Uniform in ±0.03 (about a 7B model's weight scale), as BF16, from a xorshift64 stream.</summary>
    private static TensorToWrite Random(string name, int rows, int cols, ref ulong seed)
    {
        long n = (long)rows * cols;
        var bits = new byte[n * 2];
        ulong s0 = seed;
        seed = seed * 6364136223846793005UL + 1442695040888963407UL;
        const int chunks = 64;
        Parallel.For(0, chunks, c =>
        {
            ulong s = s0 ^ (ulong)(c + 1) * 0x9E3779B97F4A7C15UL;
            long i0 = n * c / chunks, i1 = n * (c + 1) / chunks;
            var dst = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(bits.AsSpan());
            for (long i = i0; i < i1; i++)
            {
                s ^= s << 13; s ^= s >> 7; s ^= s << 17;
                float v = ((s >> 40) / (float)(1 << 24) * 2f - 1f) * 0.03f;
                dst[(int)i] = FloatConversions.SingleToBFloat16(v);
            }
        });
        return TensorToWrite.FromBytes(name, [rows, cols], bits) with { DType = SafetensorsDType.BF16 };
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}
