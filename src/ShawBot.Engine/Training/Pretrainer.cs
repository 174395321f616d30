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
    /// <summary>File for a resumable checkpoint (weights, optimizer moments, losses); null = none.</summary>
    public string? CheckpointPath { get; init; }
    /// <summary>Optimizer steps between checkpoints.</summary>
    public int CheckpointEvery { get; init; } = 100;
}

/// <summary>
/// Full-mode training from scratch (`shawbot pretrain`): random windows of a token stream, labels =
/// inputs (next-token prediction everywhere), AdamW on every weight, warmup then cosine decay.
/// Each step's windows come from a generator seeded by (seed, step), so a run resumed from its
/// checkpoint draws the same batches as one that never stopped.
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
        var tokens = new int[b * t];
        var losses = new List<double>();
        int first = o.CheckpointPath is { } resumeFrom && File.Exists(resumeFrom)
            ? PretrainCheckpoint.Load(resumeFrom, parameters, opts, losses, o) : 0;
        var clock = Stopwatch.StartNew();
        for (int step = first; step < o.Steps; step++)
        {
            ct.ThrowIfCancellationRequested();
            var rng = new SplitMix(SplitMix.Mix(o.Seed * 0x9E3779B97F4A7C15UL + (ulong)step));
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
            progress?.Report(new TrainProgress(step + 1, o.Steps, 1, loss, null, (step + 1.0 - first) * b * t / clock.Elapsed.TotalSeconds, clock.Elapsed, lr));
            if (o.CheckpointPath is { } path && ((step + 1) % Math.Max(1, o.CheckpointEvery) == 0 || step + 1 == o.Steps))
                PretrainCheckpoint.Save(path, step + 1, parameters, opts, losses, o);
        }
        return losses;
    }
}
