using System.Diagnostics;
using ShawBot.Engine.Generation;
using ShawBot.Engine.Lora;
using ShawBot.Engine.Model;
using ShawBot.Engine.Retrieval;
using ShawBot.Engine.Tokenization;

namespace ShawBot.Engine.Training;

/// <summary>
/// LoRA / QLoRA fine-tuning on comment → reply pairs: epochs over a deterministically shuffled
/// training split, micro-batches with gradient accumulation, clipping, AdamW with a warmup
/// schedule, evaluation every epoch, the best adapter kept, and a checkpoint after every epoch
/// (and on cancellation) from which a run resumes bit-identically.
/// Output folder: adapter files of the best epoch at the top, loss-curve.json (the numbers), metrics.json,
/// checkpoint/ (latest state) and best/ (best adapter).
/// </summary>
public sealed class Trainer
{
    private readonly LlamaModel _model;
    private readonly ITokenizer _tokenizer;
    private readonly PromptTemplate _template;
    private readonly TrainOptions _o;

    public Trainer(LlamaModel model, ITokenizer tokenizer, PromptTemplate template, TrainOptions options)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        _tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));
        _template = template ?? throw new ArgumentNullException(nameof(template));
        _o = options ?? throw new ArgumentNullException(nameof(options));
        _o.Validate();
    }

    /// <param name="memory">Voice memory for {examples} (<see cref="MemoryOf"/> the training split); null: none.</param>
    public List<EncodedExample> Encode(IEnumerable<ReplyExample> examples, VoiceMemory? memory = null)
    {
        var prompt = new ReplyPrompt(_template, _tokenizer);
        return examples.Select(e => ReplyDataset.Encode(e, prompt, _o.MaxLength, memory)).ToList();
    }

    /// <summary>
    /// Voice memory over <paramref name="pool"/> (the training split: training examples retrieve
    /// from it leave-one-out, eval examples and drafts retrieve from it as from any curated set);
    /// null when the template has no {examples} slot or <see cref="TrainOptions.VoiceMemory"/> has k = 0.
    /// </summary>
    public VoiceMemory? MemoryOf(IEnumerable<ReplyExample> pool)
    {
        var memory = new VoiceMemory(pool.Select(e => (e.Comment, e.Reply)), new ReplyPrompt(_template, _tokenizer), _o.VoiceMemory);
        return memory.Enabled ? memory : null;
    }

    /// <summary>Token-weighted mean loss of an adapter (null: the base) over examples.</summary>
    public double Evaluate(LoraAdapter? adapter, IReadOnlyList<EncodedExample> examples, CancellationToken ct = default)
    {
        if (examples.Count == 0) return double.NaN;
        var lora = adapter ?? LoraAdapter.CreateNew(_model.Config, _o.Lora, 0);
        return Evaluate(lora, NewGraph(lora, examples, [Enumerable.Range(0, examples.Count).ToArray()], true), examples, ct);
    }

    /// <summary>A graph sized for the largest batch that the given orders of the examples make (rows, not B · T).</summary>
    private TrainingGraph NewGraph(LoraAdapter adapter, IReadOnlyList<EncodedExample> examples, IEnumerable<int[]> orders, bool checkpointing, int atLeastRows = 0)
    {
        int maxRows = atLeastRows;
        foreach (var order in orders)
            for (int i = 0; i < order.Length; i += _o.BatchSize)
                maxRows = Math.Max(maxRows, PrefixCollation.Collate(order.Skip(i).Take(_o.BatchSize).Select(j => examples[j]).ToList(), _o.TrainOnPrompt, _o.SharedPrefix).Rows);
        return new(_model, adapter, _o.BatchSize, examples.Max(e => e.Ids.Length), checkpointing, maxRows: maxRows);
    }

    private int EvalRows(IReadOnlyList<EncodedExample> eval) => eval.Chunk(_o.BatchSize).Select(c => PrefixCollation.Collate(c, _o.TrainOnPrompt, _o.SharedPrefix).Rows).DefaultIfEmpty(0).Max();

    /// <summary>Forward only, in batches of the options' size (shared-prefix when on: the same loss).</summary>
    private double Evaluate(LoraAdapter adapter, TrainingGraph graph, IReadOnlyList<EncodedExample> examples, CancellationToken ct)
    {
        if (examples.Count == 0) return double.NaN;
        bool wasTraining = adapter.Training;
        adapter.Training = false;
        try
        {
            double sum = 0; long count = 0;
            for (int i = 0; i < examples.Count; i += _o.BatchSize)
            {
                ct.ThrowIfCancellationRequested();
                var (s, c) = graph.Run(PrefixCollation.Collate(examples.Skip(i).Take(_o.BatchSize).ToList(), _o.TrainOnPrompt, _o.SharedPrefix), backward: false);
                sum += s; count += c;
            }
            return count == 0 ? double.NaN : sum / count;
        }
        finally { adapter.Training = wasTraining; }
    }

    /// <summary>
    /// Trains an adapter (new, or continued from <see cref="TrainOptions.WarmStartPath"/>; resumed from
    /// outDir/checkpoint when present) and writes outDir. With a <see cref="TrainOptions.TimeBudget"/>
    /// the run plans its steps from its own throughput (see <see cref="TimeBudgetPlanner"/>) and, when
    /// the budget ends before the epochs do, evaluates, keeps the best adapter as the output and leaves
    /// the checkpoint for the next call to resume (PlanFinished = false). Cancellation saves a
    /// checkpoint and returns with Completed = false.
    /// </summary>
    public TrainResult Train(IReadOnlyList<ReplyExample> train, IReadOnlyList<ReplyExample> eval, string outDir,
        IProgress<TrainProgress>? progress = null, CancellationToken ct = default)
    {
        if (train.Count == 0) throw new ArgumentException("no training examples", nameof(train));
        var started = DateTimeOffset.UtcNow;                  // the budget counts from here: encoding and allocation are part of it
        var heldOut = eval.Select(e => e.Comment).ToHashSet(StringComparer.Ordinal);
        if (train.FirstOrDefault(e => heldOut.Contains(e.Comment)) is { } leak)
            throw new ArgumentException($"the held-out comment \"{leak.Comment}\" is also in the training set", nameof(train));
        Directory.CreateDirectory(outDir);
        var memory = MemoryOf(train);
        var trainSet = Encode(train, memory);
        var evalSet = Encode(eval, memory);
        int microPerEpoch = (trainSet.Count + _o.BatchSize - 1) / _o.BatchSize;
        int stepsPerEpoch = (microPerEpoch + _o.GradientAccumulation - 1) / _o.GradientAccumulation;
        int totalSteps = stepsPerEpoch * _o.Epochs;
        if (_o.MaxSteps > 0) totalSteps = Math.Min(totalSteps, _o.MaxSteps);

        var adapter = NewAdapter();
        var optimizer = new AdamW(adapter.Parameters.Length, _o.Optimizer);
        var state = new TrainState();
        string ckDir = Path.Combine(outDir, "checkpoint");
        if (TrainCheckpoint.Exists(ckDir)) state = TrainCheckpoint.Load(ckDir, adapter, optimizer);

        // One graph for training and evaluation, sized for the largest batch of any epoch (and of the eval set).
        var all = trainSet.Concat(evalSet).ToList();
        var orders = Enumerable.Range(0, _o.Epochs).Select(ep => Shuffle(trainSet.Count, _o.Seed, ep));
        var graph = NewGraph(adapter, all, orders, _o.GradientCheckpointing, EvalRows(evalSet));
        var evalGraph = _o.GradientCheckpointing ? graph : NewGraph(adapter, all, [], true, Math.Max(graph.MaxRows, EvalRows(evalSet)));
        float[] grads = adapter.EnsureGradients();
        var clock = Stopwatch.StartNew();
        var budget = new TimeBudgetPlanner(_o, trainSet, evalSet, totalSteps, stepsPerEpoch, started);
        long tokensSeen = 0;
        adapter.Training = true;
        bool completed = false, planFinished = false;
        TrainProgress Progress(int epoch, double loss, double? evalLoss, float lr) =>
            new(state.Step, budget.PlannedSteps, epoch, loss, evalLoss, tokensSeen / Math.Max(clock.Elapsed.TotalSeconds, 1e-9), clock.Elapsed, lr) { Plan = budget.Plan };
        double TimedEvaluate()
        {
            if (evalSet.Count == 0) return state.TrainLosses.LastOrDefault();
            var started = DateTimeOffset.UtcNow;
            double loss = Evaluate(adapter, evalGraph, evalSet, ct);
            budget.EvaluationDone(started, DateTimeOffset.UtcNow);
            return loss;
        }
        try
        {
            while (state.Step < totalSteps && state.Epoch < _o.Epochs && !budget.ShouldStop(state.Step))
            {
                int[] order = Shuffle(trainSet.Count, _o.Seed, state.Epoch);
                int micro = state.MicroInEpoch;
                while (micro < microPerEpoch && state.Step < totalSteps && !budget.ShouldStop(state.Step))
                {
                    // One optimizer step over up to GradientAccumulation micro-batches.
                    Array.Clear(grads);
                    int groupEnd = Math.Min(microPerEpoch, (micro / _o.GradientAccumulation + 1) * _o.GradientAccumulation);
                    int inGroup = groupEnd - micro;
                    double lossSum = 0; int lossCount = 0;
                    for (; micro < groupEnd; micro++)
                    {
                        ct.ThrowIfCancellationRequested();
                        var items = order.Skip(micro * _o.BatchSize).Take(_o.BatchSize).Select(i => trainSet[i]).ToList();
                        var batch = PrefixCollation.Collate(items, _o.TrainOnPrompt, _o.SharedPrefix);
                        adapter.DropoutStep = (ulong)state.Step * 1024 + (ulong)micro;
                        // HF: each micro-batch's mean loss / accumulation steps.
                        var (s, c) = graph.Run(batch, backward: true, gradScale: 1f / inGroup);
                        lossSum += c == 0 ? 0 : s / c; lossCount++;
                        tokensSeen += batch.UnsharedRows;
                    }
                    ClipGradients(grads, _o.MaxGradNorm);
                    float lr = _o.LearningRateAt(state.Step, totalSteps);
                    optimizer.Update(adapter.Parameters, grads, lr);
                    state.Step++;
                    state.MicroInEpoch = micro;
                    budget.StepDone(state.Step, DateTimeOffset.UtcNow);
                    double loss = lossSum / Math.Max(1, lossCount);
                    state.TrainLosses.Add(loss);
                    progress?.Report(Progress(state.Epoch + 1, loss, null, lr));
                }
                if (micro >= microPerEpoch || state.Step >= totalSteps)
                {
                    // End of epoch: evaluate, keep the best, checkpoint.
                    double evalLoss = TimedEvaluate();
                    state.EvalLosses.Add(evalLoss);
                    state.Epoch++;
                    state.MicroInEpoch = 0;
                    KeepIfBest(adapter, state, evalLoss, outDir);
                    progress?.Report(Progress(state.Epoch, state.TrainLosses.LastOrDefault(), evalLoss, _o.LearningRateAt(state.Step, totalSteps)));
                    TrainCheckpoint.Save(ckDir, adapter, optimizer, state);
                }
            }
            planFinished = state.Step >= totalSteps || state.Epoch >= _o.Epochs;
            if (!planFinished && state.MicroInEpoch > 0)
            {
                // The budget ended mid-epoch: evaluate where we stand (not an epoch point of the curve), keep the best.
                double evalLoss = TimedEvaluate();
                KeepIfBest(adapter, state, evalLoss, outDir);
                progress?.Report(Progress(state.Epoch + 1, state.TrainLosses.LastOrDefault(), evalLoss, _o.LearningRateAt(state.Step, totalSteps)));
                TrainCheckpoint.Save(ckDir, adapter, optimizer, state);
            }
            completed = true;
        }
        catch (OperationCanceledException)
        {
            TrainCheckpoint.Save(ckDir, adapter, optimizer, state);
        }
        finally { adapter.Training = false; }

        if (completed)
        {
            // The best adapter so far becomes the output (PEFT layout at the top of outDir).
            string best = Path.Combine(outDir, "best");
            var final = Directory.Exists(best) ? PeftAdapterFiles.Load(best, _model.Config) : adapter;
            PeftAdapterFiles.Save(final, outDir);
        }
        new LossCurve(state.TrainLosses, state.EvalLosses, Math.Max(1, stepsPerEpoch)).Save(Path.Combine(outDir, LossCurve.FileName));
        TrainCheckpoint.WriteMetrics(Path.Combine(outDir, "metrics.json"), state, totalSteps, completed, planFinished, budget.Plan);
        return new TrainResult(state.Step, state.TrainLosses.LastOrDefault(), double.IsNaN(state.BestEval) ? null : state.BestEval,
            state.BestEpoch, state.TrainLosses, state.EvalLosses, completed, outDir) { PlanFinished = planFinished, Plan = budget.Plan };
    }

    /// <summary>A fresh PEFT-initialised adapter, or a copy of the warm-start adapter (its own rank and targets).</summary>
    private LoraAdapter NewAdapter()
    {
        if (_o.WarmStartPath is not { } path)
            return LoraAdapter.CreateNew(_model.Config, _o.Lora with { BaseModelNameOrPath = _o.Lora.BaseModelNameOrPath ?? _model.Source }, _o.Seed);
        if (!Directory.Exists(path)) throw new DirectoryNotFoundException($"warm-start adapter folder not found: {path}");
        var warm = PeftAdapterFiles.Load(path, _model.Config);
        var adapter = new LoraAdapter(_model.Config, warm.Config with { Dropout = _o.Lora.Dropout });
        warm.Parameters.CopyTo(adapter.Parameters, 0);
        return adapter;
    }

    private static void KeepIfBest(LoraAdapter adapter, TrainState state, double evalLoss, string outDir)
    {
        if (!double.IsNaN(state.BestEval) && !(evalLoss < state.BestEval)) return;
        state.BestEval = evalLoss; state.BestEpoch = state.Epoch;
        AtomicSaveAdapter(adapter, Path.Combine(outDir, "best"));
    }

    private static void AtomicSaveAdapter(LoraAdapter adapter, string dir)
    {
        string tmp = dir + ".tmp";
        if (Directory.Exists(tmp)) Directory.Delete(tmp, true);
        PeftAdapterFiles.Save(adapter, tmp);
        if (Directory.Exists(dir)) Directory.Delete(dir, true);
        Directory.Move(tmp, dir);
    }

    /// <summary>Fisher–Yates with a SplitMix stream keyed by (seed, epoch): the same order on every run and resume.</summary>
    internal static int[] Shuffle(int n, ulong seed, int epoch)
    {
        var order = Enumerable.Range(0, n).ToArray();
        var rng = new SplitMix(seed * 0x9E3779B97F4A7C15UL + (ulong)epoch);
        for (int i = n - 1; i > 0; i--)
        {
            int j = (int)(rng.NextULong() % (ulong)(i + 1));
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    /// <summary>torch.nn.utils.clip_grad_norm_: scale by max_norm / (‖g‖ + 1e-6) when the norm exceeds max_norm.</summary>
    public static double ClipGradients(Span<float> grads, float maxNorm)
    {
        double sq = 0;
        foreach (float g in grads) sq += (double)g * g;
        double norm = Math.Sqrt(sq);
        if (maxNorm > 0 && norm > maxNorm)
            System.Numerics.Tensors.TensorPrimitives.Multiply(grads, (float)(maxNorm / (norm + 1e-6)), grads);
        return norm;
    }
}
