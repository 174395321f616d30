using System.Diagnostics;
using ShawBot.Engine.Model;

namespace ShawBot.Bench;

/// <summary>
/// Decode speed of a Mistral-7B-shaped model: 2 layers in fp32 and 4 layers in NF4 (+ double
/// quant), loaded through ModelLoader from a random BF16 folder. Time per token splits as
/// head + L × layer, where head (lm_head GEMV, final norm, embedding row) is timed on its own;
/// the 32-layer figure is head + 32 × layer.
/// </summary>
internal static class DecodeBench
{
    /// <param name="only">"fp32" or "nf4" runs one of the two; empty runs both.</param>
    public static void Run(string? only = null)
    {
        using var synth = SyntheticModel.Create(4);
        if (only is null or "fp32") Measure(synth.WithLayers(2), 2, WeightFormat.Float32);
        if (only is null or "nf4") Measure(synth.Folder, 4, WeightFormat.Nf4);
        // What drafting pays: the same with an all-linear rank-16 LoRA adapter applied (as the service does).
        if (only is null or "nf4" or "nf4-lora") Measure(synth.Folder, 4, WeightFormat.Nf4, withAdapter: true);
    }

    private static void Measure(string folder, int layers, WeightFormat format, bool withAdapter = false)
    {
        var sw = Stopwatch.StartNew();
        using var model = ModelLoader.Load(folder, new ModelLoadOptions { Quantize = format, DoubleQuant = true, RopePositions = 4096 });
        double load = sw.Elapsed.TotalSeconds;
        var session = new InferenceSession(model, 256);
        ShawBot.Engine.Lora.LoraAdapter? lora = withAdapter
            ? ShawBot.Engine.Lora.LoraAdapter.CreateNew(model.Config, new ShawBot.Engine.Lora.LoraConfig { Rank = 16, Alpha = 32, TargetPattern = "all-linear" }, 5)
            : null;
        var logits = new float[SyntheticModel.Vocab];
        // Prefill of a 128-token prompt (about the shipped instructions plus a short comment), best of 3.
        int[] prompt128 = Enumerable.Range(0, 128).Select(i => 1 + i * 37 % 30000).ToArray();
        double prefill = double.MaxValue;
        for (int rep = 0; rep < 3; rep++)
        {
            session.Reset();
            sw.Restart();
            session.Forward(prompt128, logits, false, lora);
            prefill = Math.Min(prefill, sw.Elapsed.TotalSeconds);
        }
        session.Reset();
        session.Forward([1, 22, 333, 4444, 5555, 666, 77, 8], logits, false, lora);
        // Best and median of 12 runs of 8 tokens (the machine is shared: neighbours move the DRAM
        // bandwidth by ±30 %). The cache grows to 8 + 96 positions, so attention stays small.
        var runs = new List<double>();
        for (int rep = 0; rep < 12; rep++)
        {
            const int tokens = 8;
            sw.Restart();
            for (int i = 0; i < tokens; i++) session.Forward([100 + rep * tokens + i], logits, false, lora);
            runs.Add(sw.Elapsed.TotalSeconds / tokens);
        }
        runs.Sort();
        double best = runs[0], median = runs[runs.Count / 2];
        // The part that does not scale with depth: lm_head on one row (the embedding copy and final norm are negligible).
        var h = new float[SyntheticModel.Hidden];
        for (int i = 0; i < h.Length; i++) h[i] = 0.01f * (i % 7);
        double head = double.MaxValue;
        for (int rep = 0; rep < 5; rep++)
        {
            sw.Restart();
            for (int i = 0; i < 10; i++) model.LmHead.Forward(h, 1, h.Length, logits, logits.Length, false);
            head = Math.Min(head, sw.Elapsed.TotalSeconds / 10);
        }
        // The same layers' seven projections alone, one row each, in the decode order: what the
        // GEMVs cost, so layer_ms − gemv_ms is everything else (norms, RoPE, attention, SwiGLU, calls).
        var runsGemv = new List<double>();
        var xin = new float[SyntheticModel.Inter];
        var yout = new float[SyntheticModel.Inter];
        for (int i = 0; i < xin.Length; i++) xin[i] = 0.01f * (i % 5);
        for (int rep = 0; rep < 12; rep++)
        {
            sw.Restart();
            for (int i = 0; i < 8; i++)
                foreach (var lw in model.Layers)
                    foreach (var lin in new[] { lw.Q, lw.K, lw.V, lw.O, lw.Gate, lw.Up, lw.Down })
                        lin.Forward(xin.AsSpan(0, lin.InFeatures), 1, lin.InFeatures, yout.AsSpan(0, lin.OutFeatures), lin.OutFeatures, false);
            runsGemv.Add(sw.Elapsed.TotalSeconds / 8 / layers);
        }
        runsGemv.Sort();
        double perLayer = (best - head) / layers, t32 = head + 32 * perLayer;
        double medianLayer = (median - head) / layers, median32 = head + 32 * medianLayer;
        string name = (format == WeightFormat.Float32 ? "fp32" : "nf4-dq") + (withAdapter ? "+lora-r16-all-linear" : "");
        Console.WriteLine($"{{\"figure\":\"decode\",\"format\":\"{name}\",\"layers\":{layers},\"load_s\":{load:F1},\"weights_mb\":{model.SizeInBytes / 1e6:F0},"
            + $"\"ms_per_token\":{best * 1e3:F2},\"tokens_per_s\":{1 / best:F2},\"head_ms\":{head * 1e3:F2},\"layer_ms\":{perLayer * 1e3:F2},"
            + $"\"ms_per_token_32_layers\":{t32 * 1e3:F1},\"tokens_per_s_32_layers\":{1 / t32:F2},"
            + $"\"prefill_128_ms_per_layer\":{prefill * 1e3 / layers:F1},\"gemv_ms_per_layer\":{runsGemv[0] * 1e3:F2},\"median_gemv_ms_per_layer\":{runsGemv[runsGemv.Count / 2] * 1e3:F2},"
            + $"\"median_layer_ms\":{medianLayer * 1e3:F2},\"median_tokens_per_s_32_layers\":{1 / median32:F2}}}");
    }
}
