using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using ShawBot.Infrastructure.Adapters;
using ShawBot.Infrastructure.Engine;
using ShawBot.Infrastructure.Retraining;
using ShawBot.Infrastructure.Store;
using ShawBot.Infrastructure.Tests.Support;
using Xunit.Abstractions;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace ShawBot.Infrastructure.Tests.Retraining;

/// <summary>
/// A night on the demo model (models/tiny-shawbot, the real prompt template): 300 replies from
/// data/seed-replies.jsonl, 10 epochs that cannot fit a budget scaled down from a 60 s night to
/// 15 s (batches of 8, a 5 % eval split). The run stops in time with an evaluated adapter, kept with the reason; the next run has no
/// new examples, yet resumes the unfinished plan from its checkpoint instead of skipping.
/// </summary>
[Collection(RetrainCollection.Name)]
public sealed class SimulatedNightTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task A_night_fits_its_time_budget_and_the_next_run_resumes_the_unfinished_plan()
    {
        using var folder = new TempFolder();
        var seed = File.ReadLines(Path.Combine(RepoPaths.Root, "data", "seed-replies.jsonl")).Where(l => l.Trim().Length > 0).Take(300).ToList();
        Assert.Equal(300, seed.Count);
        File.WriteAllLines(folder.File("curated.jsonl"), seed);
        var options = new RetrainOptions
        {
            SchedulerDatabasePath = folder.File("scheduler.db"), SeedDataPath = folder.File("curated.jsonl"),
            TimeBudget = Budget, Epochs = 10, BatchSize = 8, GradientAccumulation = 1, Rank = 8, Alpha = 16, Targets = "q_proj,v_proj",
            LearningRate = 2e-4, Dropout = 0, EvalFraction = 0.05, SampleCount = 0, LowPriority = false, Seed = 3,
        };
        var registry = new AdapterRegistry(folder.File("adapters"));
        var engine = new EngineOptions { ModelPath = Path.Combine(RepoPaths.Root, "models", "tiny-shawbot"), PromptsPath = Path.Combine(RepoPaths.Root, "prompts") };
        using var model = new LanguageModel(MsOptions.Create(engine), NullLogger<LanguageModel>.Instance,
            new RegistryStartupAdapter(registry, NullLogger<RegistryStartupAdapter>.Instance));
        _ = model.Model;                                             // loaded before the clock starts, as in the service
        var store = new SqliteCommentStore(MsOptions.Create(new StoreOptions { DatabasePath = folder.File("shawbot.db") }), TimeProvider.System);
        var runner = new RetrainRunner(model, store, registry, new LiveAdapter(registry, NullLogger<LiveAdapter>.Instance, model), MsOptions.Create(options), NullLogger<RetrainRunner>.Instance);

        var clock = Stopwatch.StartNew();
        var night1 = await runner.RunAsync(new RetrainRequest("schedule"), null, CancellationToken.None);
        var took1 = clock.Elapsed;
        output.WriteLine($"night 1 ({took1.TotalSeconds:0.0} s): {night1.Summary} · plan {night1.Training?.Plan}");
        Assert.True(night1.Kind is RetrainOutcomeKind.Promoted or RetrainOutcomeKind.NotPromoted, night1.Summary);
        Assert.Contains("time budget", night1.Message);
        Assert.Contains("the next run resumes it", night1.Message);
        var t1 = night1.Training!;
        Assert.False(t1.PlanFinished);
        Assert.True(t1.Completed);
        var plan = t1.Plan!;
        // The seed file's every 10th line is held out of retraining (data/README.md): 270 of the 300 remain.
        Assert.Equal(270, night1.DatasetSize);
        Assert.InRange(plan.Examples, 243, 269);                          // 270 minus the held-out ~5 % (split by id)
        Assert.Equal(10 * ((plan.Examples + 7) / 8), plan.TotalSteps);
        Assert.InRange(t1.Steps, 2, plan.TotalSteps - 1);
        Assert.Equal(plan.PlannedSteps, t1.Steps);
        Assert.NotNull(night1.NewEvalLoss);
        Assert.True(took1 < Budget * 1.25, $"night 1 took {took1.TotalSeconds:0.0} s, budget {Budget.TotalSeconds} s");
        Assert.True(File.Exists(Path.Combine(registry.TrainingFolder, "checkpoint", "state.json")), "the unfinished plan's checkpoint is kept");

        clock.Restart();
        var night2 = await runner.RunAsync(new RetrainRequest("schedule"), null, CancellationToken.None);
        var took2 = clock.Elapsed;
        output.WriteLine($"night 2 ({took2.TotalSeconds:0.0} s): {night2.Summary} · plan {night2.Training?.Plan}");
        Assert.True(night2.Kind is RetrainOutcomeKind.Promoted or RetrainOutcomeKind.NotPromoted, night2.Summary);
        var t2 = night2.Training!;
        Assert.True(t2.Steps > t1.Steps, $"night 2 ended at step {t2.Steps}, night 1 at {t1.Steps}");
        // Resumed, not restarted: the loss history of night 1 is the start of night 2's.
        Assert.Equal(t1.TrainLosses, t2.TrainLosses.Take(t1.Steps));
        Assert.Equal(plan.TotalSteps, t2.Plan!.TotalSteps);
        Assert.True(took2 < Budget * 1.25, $"night 2 took {took2.TotalSeconds:0.0} s, budget {Budget.TotalSeconds} s");
        var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(night2.Version!.Path, "metrics.json"))).RootElement;
        Assert.Equal(t2.Steps, metrics.GetProperty("steps").GetInt32());
        // The trainer's share: the run's budget less what the dataset took before training began.
        Assert.InRange(metrics.GetProperty("time_budget_seconds").GetDouble(), Budget.TotalSeconds - 3, Budget.TotalSeconds);
    }
}
