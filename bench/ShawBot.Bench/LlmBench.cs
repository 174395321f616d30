using System.Diagnostics;
using System.Globalization;
using ShawBot.Engine.Kernels;
using ShawBot.Engine.Lora;
using ShawBot.Engine.Model;
using ShawBot.Engine.Quantization;

namespace ShawBot.Bench;

/// <summary>
/// `llm --layers N --kernels fast|exact [--lora R]`: a Mistral-7B-shaped model of N layers (hidden 4096,
/// MLP 14336, 32/8 heads, vocab 32000; the shapes of ../shared/anchors/llamacpp) with random weights,
/// NF4 + double quant, built in memory while quantizing: each matrix is drawn and quantized 1M values
/// at a time, so no fp32 matrix is ever held (embedding and lm_head BF16, as a BF16 checkpoint loads).
/// Prints one JSON line: decode over 64 tokens after a 128-token prompt, prefill of 128 and of 512
/// tokens (tokens/s, medians of 3 repetitions in this process) and the process's peak RSS.
/// </summary>
internal static class LlmBench
{
    private const int Hidden = SyntheticModel.Hidden, Inter = SyntheticModel.Inter, Vocab = SyntheticModel.Vocab;
    private const int Reps = 3;

    public static int Run(string[] args)
    {
        int layers = 32, lora = 0;
        var kernels = KernelMode.Fast;
        for (int i = 1; i < args.Length; i++)
            switch (args[i])
            {
                case "--layers" when i + 1 < args.Length: layers = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--kernels" when i + 1 < args.Length: kernels = KernelModes.Parse(args[++i]); break;
                case "--lora" when i + 1 < args.Length: lora = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                default:
                    Console.Error.WriteLine($"llm: unknown or incomplete option '{args[i]}' (--layers N --kernels fast|exact [--lora RANK])");
                    return 2;
            }
        if (layers < 1) { Console.Error.WriteLine("llm: --layers must be ≥ 1"); return 2; }
        var sw = Stopwatch.StartNew();
        using var model = Build(layers);
        double build = sw.Elapsed.TotalSeconds;
        LoraAdapter? adapter = lora > 0
            ? LoraAdapter.CreateNew(model.Config, new LoraConfig { Rank = lora, Alpha = 2 * lora, TargetPattern = "all-linear" }, 5)
            : null;
        var session = new InferenceSession(model, 640, kernels: kernels);
        var logits = new float[Vocab];
        int[] Prompt(int n, int salt) => Enumerable.Range(0, n).Select(i => 1 + (i * 37 + salt * 101) % 31000).ToArray();
        double Time(Action a) { var t = Stopwatch.StartNew(); a(); return t.Elapsed.TotalSeconds; }
        var p128 = new List<double>(); var p512 = new List<double>(); var dec = new List<double>();
        for (int rep = 0; rep < Reps; rep++)
        {
            session.Reset();
            int[] prompt = Prompt(128, rep);
            p128.Add(128 / Time(() => session.Forward(prompt, logits, false, adapter)));
            // Decode: 64 greedy-shaped steps (fixed ids; the arithmetic does not depend on them).
            dec.Add(64 / Time(() =>
            {
                for (int i = 0; i < 64; i++) session.Forward([2 + (i * 13 + rep) % 31000], logits, false, adapter);
            }));
            session.Reset();
            int[] prompt512 = Prompt(512, rep);
            p512.Add(512 / Time(() => session.Forward(prompt512, logits, false, adapter)));
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{{\"figure\":\"llm\",\"layers\":{layers},\"kernels\":\"{kernels.Name()}\",\"lora_rank\":{lora},\"decode_tok_s\":{Median(dec):F2},"
            + $"\"prefill128_tok_s\":{Median(p128):F2},\"prefill512_tok_s\":{Median(p512):F2},\"peak_rss_mb\":{PeakRssMb():F0},"
            + $"\"weights_mb\":{model.SizeInBytes / 1e6:F0},\"build_s\":{build:F1},\"threads\":{WorkerPool.Concurrency},"
            + $"\"decode_runs\":[{string.Join(",", dec.Select(d => d.ToString("F2", CultureInfo.InvariantCulture)))}]}}"));
        return 0;
    }

    private static double Median(List<double> v) { v.Sort(); return v[v.Count / 2]; }

    /// <summary>VmHWM of /proc/self/status (peak resident set), in MB (10⁶ bytes).</summary>
    private static double PeakRssMb()
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024 / 1e6;
        return double.NaN;
    }

    private static LlamaModel Build(int layers)
    {
        var config = ModelConfig.Parse($$"""
            {"architectures": ["MistralForCausalLM"], "model_type": "mistral", "hidden_size": {{Hidden}}, "intermediate_size": {{Inter}},
             "num_hidden_layers": {{layers}}, "num_attention_heads": 32, "num_key_value_heads": 8, "head_dim": 128,
             "vocab_size": {{Vocab}}, "rope_theta": 1000000.0, "rms_norm_eps": 1e-05, "max_position_embeddings": 32768,
             "tie_word_embeddings": false, "hidden_act": "silu", "bos_token_id": 1, "eos_token_id": 2, "torch_dtype": "bfloat16"}
            """, "llm-bench");
        ulong seed = 12345;
        var scratch = new Scratch();
        var ones = Enumerable.Repeat(1f, Hidden).ToArray();
        var built = new LayerWeights[layers];
        for (int l = 0; l < layers; l++)
            built[l] = new LayerWeights
            {
                InputNorm = ones, PostAttentionNorm = ones,
                Q = Nf4(4096, Hidden, ref seed, scratch), K = Nf4(1024, Hidden, ref seed, scratch), V = Nf4(1024, Hidden, ref seed, scratch), O = Nf4(Hidden, 4096, ref seed, scratch),
                Gate = Nf4(Inter, Hidden, ref seed, scratch), Up = Nf4(Inter, Hidden, ref seed, scratch), Down = Nf4(Hidden, Inter, ref seed, scratch),
            };
        var embed = TokenEmbedding.FromBFloat16(Bf16(Vocab, Hidden, ref seed), Vocab, Hidden);
        var head = new Bf16Linear(Bf16(Vocab, Hidden, ref seed), Vocab, Hidden);
        return new LlamaModel(config, embed, built, ones, head, ropePositions: 1024);
    }

    /// <summary>Uniform in ±0.03 (a 7B model's weight scale), quantized NF4 + double quant 1M values at a time.</summary>
    private static Nf4Linear Nf4(int rows, int cols, ref ulong seed, Scratch scratch)
    {
        const int chunk = Scratch.Chunk, block = QuantizedTensor4Bit.DefaultBlockSize;
        long n = (long)rows * cols;
        float[] absmax = scratch.Absmax, values = scratch.Values;
        var packed = new byte[n / 2];
        ulong s0 = Next(ref seed);
        for (long start = 0; start < n; start += chunk)
        {
            int count = (int)Math.Min(chunk, n - start);
            long first = start;
            Parallel.For(0, 16, part =>
            {
                int b0 = count / block * part / 16, b1 = count / block * (part + 1) / 16;
                ulong s = s0 ^ (ulong)(first / block + b0 + 1) * 0x9E3779B97F4A7C15UL;
                for (int b = b0; b < b1; b++)
                {
                    var v = values.AsSpan(b * block, block);
                    for (int k = 0; k < block; k++)
                    {
                        s ^= s << 13; s ^= s >> 7; s ^= s << 17;
                        v[k] = ((s >> 40) / (float)(1 << 24) * 2f - 1f) * 0.03f;
                    }
                    absmax[first / block + b] = Blockwise4Bit.QuantizeBlock(v, QuantType4Bit.Nf4, packed.AsSpan((int)((first + b * block) / 2)));
                }
            });
        }
        return new Nf4Linear(QuantizedTensor4Bit.DoubleQuantizeInPlace(QuantType4Bit.Nf4, rows, cols, block, packed, absmax.AsSpan(0, (int)(n / block))), "bfloat16");
    }

    /// <summary>
    /// The fp32 absmax (coded to 8 bits, then dropped) and the drawn values are scratch: one buffer each for
    /// the whole build, so no garbage piles up in the peak RSS.
    /// </summary>
    private sealed class Scratch
    {
        public const int Chunk = 1 << 20;
        public float[] Absmax { get; } = new float[(long)Inter * Hidden / QuantizedTensor4Bit.DefaultBlockSize];
        public float[] Values { get; } = new float[Chunk];
    }

    private static ushort[] Bf16(int rows, int cols, ref ulong seed)
    {
        var bits = new ushort[(long)rows * cols];
        ulong s = Next(ref seed);
        for (long i = 0; i < bits.LongLength; i++)
        {
            s ^= s << 13; s ^= s >> 7; s ^= s << 17;
            bits[i] = ShawBot.Engine.IO.FloatConversions.SingleToBFloat16(((s >> 40) / (float)(1 << 24) * 2f - 1f) * 0.03f);
        }
        return bits;
    }

    private static ulong Next(ref ulong seed) => seed = seed * 6364136223846793005UL + 1442695040888963407UL;
}
