using System.Diagnostics;
using ShawBot.Engine.IO;
using ShawBot.Engine.Lora;
using ShawBot.Engine.Model;
using ShawBot.Engine.Training;

namespace ShawBot.Bench;

/// <summary>
/// LoRA training throughput on a ~110M-parameter Llama (hidden 768, 12 layers, 12 heads, vocab 32000,
/// MLP 2048), batch 4 × 256, r 8 on q, k, v, o — fp32 base and NF4 base — with peak RSS and model
/// FLOP utilisation (4 · params · tokens/s, the issue's convention, over 500 and over the measured
/// ~220 GFLOP/s FMA peak of this 2-core machine). bench/reference/lora_train.py does the same in PyTorch.
/// </summary>
internal static class TrainingBench
{
    public static void Run(string[] args)
    {
        int steps = args.Length > 1 ? int.Parse(args[1]) : 4;
        string dir = Path.Combine(Path.GetTempPath(), "shawbot-bench-110m");
        try
        {
            var cfg = WriteModel(dir);
            foreach (var format in new[] { WeightFormat.Float32, WeightFormat.Nf4 })
            {
                LlamaModel model;
                try { model = ModelLoader.Load(dir, new ModelLoadOptions { Quantize = format }); }
                catch (NotSupportedException e) { Console.WriteLine($"{{\"figure\":\"lora-train\",\"base\":\"{format}\",\"skipped\":\"{e.Message}\"}}"); continue; }
                using (model)
                {
                    var lora = LoraAdapter.CreateNew(cfg, new LoraConfig { Rank = 8, Alpha = 16, TargetModules = ["q_proj", "k_proj", "v_proj", "o_proj"] }, 1);
                    const int B = 4, T = 256;
                    var graph = new TrainingGraph(model, lora, B, T, checkpointing: true);
                    var opt = new AdamW(lora.Parameters.Length, new AdamWOptions());
                    var rng = new Random(1);
                    var tokens = Enumerable.Range(0, B * T).Select(_ => rng.Next(3, cfg.VocabSize)).ToArray();
                    void Step()
                    {
                        Array.Clear(lora.EnsureGradients());
                        graph.Run(tokens, tokens, B, T, backward: true);
                        opt.Update(lora.Parameters, lora.Gradients, 2e-4f);
                    }
                    Step();   // warm-up: JIT, transposed weight panels
                    var sw = Stopwatch.StartNew();
                    for (int i = 0; i < steps; i++) Step();
                    double tps = B * T * steps / sw.Elapsed.TotalSeconds;
                    long parameters = Parameters(cfg);
                    Console.WriteLine($"{{\"figure\":\"lora-train\",\"base\":\"{format}\",\"params\":{parameters},\"batch\":{B},\"seq\":{T},\"steps\":{steps}," +
                        $"\"tokens_per_s\":{tps:0.0},\"step_s\":{sw.Elapsed.TotalSeconds / steps:0.000},\"peak_rss_mb\":{PeakRssMb():0}," +
                        $"\"mfu_vs_500\":{4.0 * parameters * tps / 500e9:0.000},\"mfu_vs_220\":{4.0 * parameters * tps / 220e9:0.000}}}");
                }
            }
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }

    internal static long Parameters(ModelConfig c) =>
        2L * c.VocabSize * c.HiddenSize + c.NumLayers * (4L * c.HiddenSize * c.HiddenSize + 3L * c.HiddenSize * c.IntermediateSize + 2L * c.HiddenSize) + c.HiddenSize;

    private static ModelConfig WriteModel(string dir)
    {
        Directory.CreateDirectory(dir);
        var cfg = ModelConfig.Parse("""
            {"architectures":["LlamaForCausalLM"],"model_type":"llama","hidden_size":768,"intermediate_size":2048,"num_hidden_layers":12,
             "num_attention_heads":12,"num_key_value_heads":12,"vocab_size":32000,"max_position_embeddings":2048,"rms_norm_eps":1e-5,
             "tie_word_embeddings":false,"hidden_act":"silu","torch_dtype":"float32"}
            """, "bench");
        using var m = FullModel.CreateRandom(cfg, 1);
        FullModel.Save(m, dir, bf16: false);
        return cfg;
    }

    internal static double PeakRssMb()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024;
        return double.NaN;
    }
}
