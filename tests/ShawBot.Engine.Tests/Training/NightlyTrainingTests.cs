using System.Diagnostics;
using ShawBot.Engine.Generation;
using ShawBot.Engine.Lora;
using ShawBot.Engine.Model;
using ShawBot.Engine.Training;

namespace ShawBot.Engine.Tests.Training;

/// <summary>Timing tests run alone: a budget calibrated while another test takes the cores over is not a budget.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingCollection
{
    public const string Name = "timing";
}

/// <summary>The nightly retrain's engine side: the time budget, warm start and the replay sample.</summary>
[Collection(TimingCollection.Name)]
public class NightlyTrainingTests
{
    private static readonly ReplyExample[] Data = Enumerable.Range(0, 12).Select(i => new ReplyExample(
        $"comment {i}: great video #{i}", i % 2 == 0 ? $"thanks {i}! -S" : $"glad it helped {i} -S")).ToArray();

    private static readonly PromptTemplate Template = new("Reply to the viewer kindly.", "<s>[I] {instructions} {comment} [/I]{reply}</s>");

    private static TrainOptions Options(TimeSpan budget = default, string? warm = null, float lr = 1e-2f, int epochs = 10) => new()
    {
        Lora = new LoraConfig { Rank = 4, Alpha = 8, TargetPattern = "all-linear", TargetModules = [], Dropout = 0 },
        LearningRate = lr, BatchSize = 4, GradientAccumulation = 1, Epochs = epochs, WarmupSteps = 0,
        Optimizer = new AdamWOptions { WeightDecay = 0, EightBit = false }, MaxLength = 64, Seed = 5, TimeBudget = budget, WarmStartPath = warm,
    };

    private sealed class SyncProgress(Action<TrainProgress> f) : IProgress<TrainProgress>
    {
        public void Report(TrainProgress value) => f(value);
    }

    [Fact]
    public void A_budget_stops_the_run_in_time_with_the_best_adapter_and_the_next_call_resumes_the_plan()
    {
        using var model = ModelLoader.Load(TestPaths.GoldenModel("tiny-mistral"));
        using var dir = new TempDir();
        var budget = TimeSpan.FromSeconds(2);
        var o = Options(budget, epochs: 2000);                 // 6000 steps: far more than fits
        var reports = new List<TrainProgress>();
        var clock = Stopwatch.StartNew();
        var first = new Trainer(model, new ByteTokenizer(), Template, o).Train(Data[..9], Data[9..], dir.Path, new SyncProgress(reports.Add));
        var took = clock.Elapsed;
        Assert.True(first.Completed);
        Assert.False(first.PlanFinished);
        Assert.True(took < budget * 1.25, $"took {took.TotalSeconds:0.00} s of a {budget.TotalSeconds} s budget");
        var plan = first.Plan!;
        Assert.Equal(9, plan.Examples);
        Assert.Equal(3 * 2000, plan.TotalSteps);
        Assert.Equal(first.Steps, plan.PlannedSteps);
        Assert.InRange(first.Steps, 2, 5999);
        Assert.NotNull(plan.SecondsPerStep);
        // Progress carries the plan: after calibration TotalSteps is what fits, not the epochs' 6000; the last report is the evaluation.
        Assert.Equal(6000, reports[0].TotalSteps);
        Assert.Equal(first.Steps, reports[^1].TotalSteps);
        Assert.NotNull(reports[^1].EvalLoss);
        Assert.Equal(first.BestEvalLoss, reports.Where(r => r.EvalLoss != null).Min(r => r.EvalLoss));
        // The output is the best adapter, evaluated; the checkpoint stays for the next call.
        var output = PeftAdapterFiles.Load(dir.Path, model.Config);
        var best = PeftAdapterFiles.Load(Path.Combine(dir.Path, "best"), model.Config);
        Assert.Equal(best.Parameters, output.Parameters);
        Assert.Contains("\"plan_finished\": false", File.ReadAllText(Path.Combine(dir.Path, "metrics.json")));

        var second = new Trainer(model, new ByteTokenizer(), Template, o).Train(Data[..9], Data[9..], dir.Path);
        Assert.True(second.Steps > first.Steps, $"{second.Steps} after {first.Steps}");
        Assert.Equal(first.TrainLosses, second.TrainLosses.Take(first.Steps));
        Assert.Equal(6000, second.Plan!.TotalSteps);
    }

    [Fact]
    public void Warm_start_continues_from_the_adapter_folder_with_its_own_rank_and_targets()
    {
        using var model = ModelLoader.Load(TestPaths.GoldenModel("tiny-mistral"));
        string golden = Path.Combine(TestPaths.GoldenModel("tiny-mistral"), "adapter");
        var start = PeftAdapterFiles.Load(golden, model.Config);
        using var dir = new TempDir();
        // lr → 0: training cannot move the weights, so the output is the start, to float rounding of AdamW's zero step.
        var o = Options(warm: golden, lr: 1e-12f, epochs: 1);
        var trainer = new Trainer(model, new ByteTokenizer(), Template, o);
        var r = trainer.Train(Data[..8], Data[8..], dir.Path);
        Assert.Equal(2, r.Steps);
        var output = PeftAdapterFiles.Load(dir.Path, model.Config);
        Assert.Equal(start.Config.Rank, output.Config.Rank);
        Assert.Equal(start.Modules.Select(m => m.PeftPrefix), output.Modules.Select(m => m.PeftPrefix));
        Assertions.Close(start.Parameters, output.Parameters, 1e-7, "warm-started adapter after lr≈0 steps");
        // Its eval loss is the start's, not the base's.
        var evalSet = trainer.Encode(Data[8..]);
        Assert.Equal(trainer.Evaluate(start, evalSet), r.BestEvalLoss!.Value, 1e-6);
        Assert.NotEqual(trainer.Evaluate(null, evalSet), r.BestEvalLoss!.Value, 3);

        var missing = Assert.Throws<DirectoryNotFoundException>(() => new Trainer(model, new ByteTokenizer(), Template, o with { WarmStartPath = dir.File("nope") }).Train(Data[..8], [], dir.File("out")));
        Assert.Contains("nope", missing.Message);
    }

    [Fact]
    public void Replay_draws_a_seeded_sample_of_older_examples_at_the_ratio()
    {
        int[] fresh = [100, 101, 102];
        int[] older = Enumerable.Range(0, 10).ToArray();
        var a = ReplaySample.Mix(fresh, older, 2.0, 9);
        Assert.Equal(9, a.Count);
        Assert.Equal(fresh, a.Take(3));
        Assert.Equal(6, a.Skip(3).Distinct().Count());
        Assert.All(a.Skip(3), x => Assert.InRange(x, 0, 9));
        Assert.Equal(a, ReplaySample.Mix(fresh, older, 2.0, 9));          // fixed seed: the same draw
        Assert.NotEqual(a, ReplaySample.Mix(fresh, older, 2.0, 10));
        Assert.Equal(13, ReplaySample.Mix(fresh, older, 100, 9).Count);    // all of older at most
        Assert.Equal(fresh, ReplaySample.Mix(fresh, older, 0, 9));
        Assert.Equal(older, ReplaySample.Mix([], older, 2, 9));
        Assert.Throws<ArgumentOutOfRangeException>(() => ReplaySample.Mix(fresh, older, -1, 9));
    }

    [Fact]
    public void A_held_out_comment_in_the_training_set_is_refused()
    {
        using var model = ModelLoader.Load(TestPaths.GoldenModel("tiny-mistral"));
        using var dir = new TempDir();
        var e = Assert.Throws<ArgumentException>(() => new Trainer(model, new ByteTokenizer(), Template, Options()).Train(Data, Data[3..4], dir.Path));
        Assert.Contains(Data[3].Comment, e.Message);
    }
}
