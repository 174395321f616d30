using System.Diagnostics;
using ShawBot.Engine.Generation;
using ShawBot.Engine.Lora;
using ShawBot.Engine.Model;
using ShawBot.Engine.Tokenization;
using ShawBot.Engine.Training;

namespace ShawBot.Bench;

/// <summary>
/// Shared-prefix training against the per-example path on a real model folder (run from the
/// repository root: prompts/ and data/seed-replies.jsonl are read from there).
///   prefix-stats MODEL_DIR            tokens of compute per training token for the seed data, batch 1–32
///   train-prefix MODEL_DIR MODE [N [K]] MODE ab: N pairs of micro-batches, padded then shared, alternating (one
///                                     process, so the machine's noise hits both); padded | shared: only that
///                                     path, for its peak RSS. K: batches timed per pair (default 2 = all 32). 32 seed replies, batches of 16, LoRA r16 on q,v,
///                                     NF4 base, gradient checkpointing, 8-bit AdamW.
/// </summary>
internal static class PrefixTrainingBench
{
    private static (ITokenizer Tok, PromptTemplate Template, List<ReplyExample> Seed) Data(string modelDir) =>
        (TokenizerLoader.Load(modelDir), PromptTemplate.Load("prompts"), ReplyDataset.LoadJsonl(Path.Combine("data", "seed-replies.jsonl")));

    public static void Stats(string modelDir)
    {
        var (tok, template, seed) = Data(modelDir);
        var all = seed.Select(e => ReplyDataset.Encode(e, template, tok, 512)).ToList();
        int labelled = all.Sum(e => e.Ids.Length - e.PromptLength);
        Console.WriteLine($"{{\"figure\":\"seed-lengths\",\"examples\":{all.Count},\"mean_tokens\":{all.Average(e => e.Ids.Length):0.0},\"mean_prompt\":{all.Average(e => e.PromptLength):0.0},\"mean_reply\":{labelled / (double)all.Count:0.0}}}");
        foreach (int b in new[] { 1, 4, 8, 16, 32 })
            foreach (bool bucketed in new[] { false, true })
            {
                // Bucketed: sorted by length, so a batch's padding (old path) is small; shared rows are padding-free anyway.
                var order = bucketed ? all.OrderBy(e => e.Ids.Length).ToList() : all;
                long padded = 0, shared = 0, prefix = 0; int batches = 0;
                foreach (var chunk in order.Chunk(b))
                {
                    padded += (long)chunk.Length * chunk.Max(e => e.Ids.Length);
                    var pb = PrefixCollation.Collate(chunk, trainOnPrompt: false);
                    shared += pb.Rows; prefix += pb.PrefixLength; batches++;
                }
                Console.WriteLine($"{{\"figure\":\"compute-per-training-token\",\"batch\":{b},\"bucketed\":{(bucketed ? "true" : "false")},\"padded\":{padded / (double)labelled:0.00}," +
                    $"\"unpadded\":{all.Sum(e => e.Ids.Length) / (double)labelled:0.00},\"shared_prefix\":{shared / (double)labelled:0.00},\"mean_prefix\":{prefix / (double)batches:0.0}}}");
            }
    }

    public static void Run(string modelDir, string mode, int pairs, int timedBatches)
    {
        var (tok, template, seed) = Data(modelDir);
        var examples = seed.Take(32).Select(e => ReplyDataset.Encode(e, template, tok, 512)).ToList();
        var load = Stopwatch.StartNew();
        using var model = ModelLoader.Load(modelDir, new ModelLoadOptions { Quantize = WeightFormat.Nf4, DoubleQuant = true });
        double loadS = load.Elapsed.TotalSeconds;
        var lora = LoraAdapter.CreateNew(model.Config, new LoraConfig { Rank = 16, Alpha = 32, TargetModules = ["q_proj", "v_proj"], Dropout = 0.05 }, 1);
        lora.Training = true;
        var opt = new AdamW(lora.Parameters.Length, new AdamWOptions { WeightDecay = 0.01f, EightBit = true });
        const int B = 16;
        var batches = examples.Chunk(B).ToList();
        int maxT = examples.Max(e => e.Ids.Length);
        bool doPadded = mode is "ab" or "padded", doShared = mode is "ab" or "shared";
        var prefixBatches = batches.Select(c => PrefixCollation.Collate(c, trainOnPrompt: false)).ToList();
        var paddedBatches = batches.Select(c => ReplyDataset.Collate(c, 0, trainOnPrompt: false)).ToList();
        var paddedGraph = doPadded ? new TrainingGraph(model, lora, B, maxT, checkpointing: true) : null;
        var sharedGraph = doShared ? new TrainingGraph(model, lora, B, maxT, checkpointing: true, maxRows: prefixBatches.Max(p => p.Rows)) : null;
        var times = new Dictionary<string, List<double>> { ["padded"] = [], ["shared"] = [] };
        var loss = new Dictionary<string, double>();
        void Step(string path, int i)
        {
            Array.Clear(lora.EnsureGradients());
            var sw = Stopwatch.StartNew();
            var (s, c) = path == "padded"
                ? paddedGraph!.Run(paddedBatches[i].Tokens, paddedBatches[i].Labels, paddedBatches[i].B, paddedBatches[i].T, backward: true)
                : sharedGraph!.Run(prefixBatches[i], backward: true);
            opt.Update(lora.Parameters, lora.Gradients!, 0f);      // lr 0: both paths see the same weights every time
            times[path].Add(sw.Elapsed.TotalSeconds);
            loss[path + i] = s / c;
        }
        // Warm-up on two examples per path (JIT, transposed weight panels), not timed.
        var warmPadded = ReplyDataset.Collate(examples[..2], 0, trainOnPrompt: false);
        if (doPadded) paddedGraph!.Run(warmPadded.Tokens, warmPadded.Labels, warmPadded.B, warmPadded.T, backward: true);
        if (doShared) sharedGraph!.Run(PrefixCollation.Collate(examples[..2], trainOnPrompt: false), backward: true);
        for (int p = 0; p < pairs; p++)
            for (int i = 0; i < Math.Min(timedBatches, batches.Count); i++)
            {
                if (doPadded) Step("padded", i);
                if (doShared) Step("shared", i);
            }
        double loraBytes = lora.Parameters.Length * 4.0, optBytes = lora.Parameters.Length * (opt.EightBit ? 2.0 : 8.0), gradBytes = lora.Parameters.Length * 4.0;
        string Fig(string path)
        {
            var t = times[path];
            double mean = t.Average();
            var rows = (path == "padded" ? paddedBatches.Select(b => b.B * b.T) : prefixBatches.Select(b => b.Rows)).Take(timedBatches);
            return $"\"{path}\":{{\"s_per_batch\":{mean:0.00},\"min\":{t.Min():0.00},\"max\":{t.Max():0.00},\"examples_per_hour\":{B * 3600 / mean:0},\"rows_per_batch\":{rows.Average():0}," +
                $"\"loss_batch0\":{loss[path + 0]:0.00000}}}";
        }
        var figs = new List<string>();
        if (doPadded) figs.Add(Fig("padded"));
        if (doShared) figs.Add(Fig("shared"));
        string speed = mode == "ab" ? $",\"speedup\":{times["padded"].Average() / times["shared"].Average():0.00}" : "";
        Console.WriteLine($"{{\"figure\":\"prefix-train\",\"mode\":\"{mode}\",\"layers\":{model.Config.NumLayers},\"pairs\":{pairs},\"load_s\":{loadS:0.0},{string.Join(",", figs)}{speed}," +
            $"\"prefix_tokens\":[{string.Join(",", prefixBatches.Select(b => b.PrefixLength))}],\"suffix_tokens_mean\":{prefixBatches.Average(b => b.SuffixLengths.Average()):0.0}," +
            $"\"model_bytes\":{model.SizeInBytes},\"lora_opt_grad_bytes\":{loraBytes + optBytes + gradBytes:0},\"peak_rss_mb\":{TrainingBench.PeakRssMb():0}," +
            $"\"rss_ratio\":{TrainingBench.PeakRssMb() * 1048576 / (model.SizeInBytes + loraBytes + optBytes + gradBytes):0.000}}}");
    }
}
