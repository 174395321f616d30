using System.Diagnostics;
using ShawBot.Engine.Lora;
using ShawBot.Engine.Model;

namespace ShawBot.Engine.Training;

public sealed record PretrainOptions
{
    public int SequenceLength { get; init; } = 128;
    public int BatchSize { get; init; } = 8;
    public int Steps { get; init; } = 1000;
    public float LearningRate { get; init; } = 3e-3f;
    public int WarmupSteps { get; init; } = 50;
    public float WeightDecay { get; init; } = 0.1f;
    public float MaxGradNorm { get; init; } = 1f;
    public ulong Seed { get; init; } = 1;
}

/// <summary>
/// Full-mode training from scratch (`shawbot pretrain`): random windows of a token stream, labels =
/// inputs (next-token prediction everywhere), AdamW on every weight, warmup then cosine decay.
/// </summary>
public static class Pretrainer
{
    public static List<double> Run(LlamaModel model, IReadOnlyList<int> stream, PretrainOptions o,
        IProgress<TrainProgress>? progress = null, CancellationToken ct = default)
    {
        int t = o.SequenceLength, b = o.BatchSize;
        if (stream.Count < t + 1) throw new ArgumentException($"the corpus has {stream.Count} tokens; one sequence needs {t + 1}");
        var grads = new FullGradients(model.Config);
        var graph = new TrainingGraph(model, null, b, t, checkpointing: false, full: grads);
        var parameters = FullModel.Parameters(model).ToList();
        var gradList = grads.All().ToList();
        if (parameters.Count != gradList.Count) throw new InvalidOperationException("parameter and gradient lists differ");
        // No weight decay on norms (1-D tensors), as nanoGPT/llm.c do.
        var opts = parameters.Select(p => new AdamW(p.Length, new AdamWOptions { WeightDecay = p.Length == model.Config.HiddenSize ? 0f : o.WeightDecay, Beta2 = 0.95f })).ToList();
        var schedule = new TrainOptions { LearningRate = o.LearningRate, WarmupSteps = o.WarmupSteps, Schedule = LrSchedule.Cosine };
        var rng = new SplitMix(o.Seed);
        var tokens = new int[b * t];
        var losses = new List<double>();
        var clock = Stopwatch.StartNew();
        for (int step = 0; step < o.Steps; step++)
        {
            ct.ThrowIfCancellationRequested();
            for (int s = 0; s < b; s++)
            {
                int start = (int)(rng.NextULong() % (ulong)(stream.Count - t));
                for (int i = 0; i < t; i++) tokens[s * t + i] = stream[start + i];
            }
            grads.Zero();
            var (sum, count) = graph.Run(tokens, tokens, b, t, backward: true);
            double sq = 0;
            foreach (var g in gradList) foreach (float v in g) sq += (double)v * v;
            double norm = Math.Sqrt(sq);
            float clip = norm > o.MaxGradNorm ? (float)(o.MaxGradNorm / (norm + 1e-6)) : 1f;
            if (clip != 1f) foreach (var g in gradList) System.Numerics.Tensors.TensorPrimitives.Multiply(g, clip, g);
            float lr = schedule.LearningRateAt(step, o.Steps);
            for (int i = 0; i < parameters.Count; i++) opts[i].Update(parameters[i], gradList[i], lr);
            double loss = sum / Math.Max(1, count);
            losses.Add(loss);
            progress?.Report(new TrainProgress(step + 1, o.Steps, 1, loss, null, (step + 1.0) * b * t / clock.Elapsed.TotalSeconds, clock.Elapsed, lr));
        }
        return losses;
    }
}
