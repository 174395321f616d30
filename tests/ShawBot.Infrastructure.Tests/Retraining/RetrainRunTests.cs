using System.Text.Json;
using ShawBot.Core.Domain;
using ShawBot.Engine.Lora;
using ShawBot.Engine.Training;
using ShawBot.Infrastructure.Adapters;
using ShawBot.Infrastructure.Retraining;
using ShawBot.Infrastructure.Tests.Support;
using Xunit.Abstractions;

namespace ShawBot.Infrastructure.Tests.Retraining;

/// <summary>End to end with the golden tiny model: store → dataset → training → eval → registry → live swap.</summary>
[Collection(RetrainCollection.Name)]
public sealed class RetrainRunTests(ITestOutputHelper output) : IDisposable
{
    private readonly RetrainHarness _h = new();

    public void Dispose() => _h.Dispose();

    [Fact]
    public async Task Twelve_curated_examples_train_evaluate_and_promote_v0001_and_the_next_draft_carries_it()
    {
        await _h.AddCuratedAsync(12);
        Assert.Equal("base", (await _h.DraftAsync()).AdapterVersion);

        var first = await _h.Coordinator.TriggerRetrainAsync("tester", CancellationToken.None);
        var second = await _h.Coordinator.TriggerRetrainAsync("impatient", CancellationToken.None);
        Assert.True(first.Accepted, first.Message);
        Assert.False(second.Accepted);
        Assert.Contains("already running", second.Message);
        Assert.Contains("tester", second.Message);
        await _h.Coordinator.WhenIdleAsync();

        var outcome = _h.Coordinator.LastOutcome!;
        output.WriteLine(outcome.Summary);
        Assert.Equal(RetrainOutcomeKind.Promoted, outcome.Kind);
        Assert.Equal("v0001", outcome.Version!.Name);
        Assert.Equal("base", outcome.ComparedWith);
        Assert.True(outcome.NewEvalLoss < outcome.ComparedEvalLoss * 0.99, outcome.Summary);
        Assert.Equal(12, outcome.DatasetSize);
        Assert.Equal(12, outcome.NewExamples);
        Assert.Equal(12, outcome.Training!.Steps);
        Assert.Equal(2, outcome.Samples.Count);
        Assert.All(outcome.Samples, s => Assert.StartsWith("great video number", s.Comment));

        // The registry: a whole version with its metadata, and the pointer.
        Assert.Equal("v0001", _h.Registry.ActiveVersion);
        var v = Assert.Single(_h.Registry.List());
        Assert.True(v.Metadata.Promoted);
        Assert.Equal(12, v.Metadata.DatasetSize);
        Assert.Equal(12, v.Metadata.CuratedExamples);
        Assert.Equal(outcome.NewEvalLoss, v.Metadata.EvalLoss);
        Assert.Equal(64, v.Metadata.DatasetHash.Length);
        Assert.Equal("tiny-mistral", v.Metadata.BaseModel);
        Assert.True(File.Exists(v.LossCurvePath));
        Assert.StartsWith("<svg", File.ReadAllText(v.LossCurvePath).TrimStart());
        // The engine's numbers travel with the version; the PNG for Discord is a whole 640 × 360 image.
        Assert.Equal(outcome.Training.TrainLosses, LossCurve.Load(Path.Combine(v.Path, LossCurve.FileName)).TrainLosses);
        Assert.Equal((640, 360), PngDecoder.Size(File.ReadAllBytes(v.LossCurvePngPath)));
        Assert.Equal(12, File.ReadAllLines(Path.Combine(v.Path, AdapterRegistry.DatasetIdsFile)).Length);
        var reloaded = PeftAdapterFiles.Load(v.Path, _h.Model.Model.Config);
        Assert.Equal(4, reloaded.Config.Rank);
        Assert.False(Directory.Exists(_h.Registry.TrainingFolder));
        Assert.Equal("Promoted", _h.Registry.LastRun!.Kind);

        // Hot swap: same base object, new adapter; the next draft records it.
        Assert.Equal("v0001", _h.Model.Adapters.Active!.Version);
        Assert.Equal(reloaded.Parameters, _h.Model.Adapters.Active.Parameters);
        Assert.Equal("v0001", (await _h.DraftAsync()).AdapterVersion);

        // Nothing new since v0001: the next trigger is skipped and says why.
        var again = await _h.Coordinator.RunAsync(new RetrainRequest("tester"), CancellationToken.None);
        Assert.Equal(RetrainOutcomeKind.Skipped, again.Kind);
        Assert.Contains("0 new curated example(s) since v0001, 5 needed", again.Message);
        Assert.Single(_h.Registry.List());
    }

    [Fact]
    public async Task An_adapter_that_does_not_improve_eval_loss_is_kept_but_not_promoted()
    {
        await _h.AddCuratedAsync(12);
        var first = await _h.Coordinator.RunAsync(new RetrainRequest("tester"), CancellationToken.None);
        Assert.Equal(RetrainOutcomeKind.Promoted, first.Kind);

        // Six more examples; a learning rate so small that the new adapter stays at the base model,
        // which is worse on the held-out set than the trained v0001.
        await _h.AddCuratedAsync(6);
        _h.Options.LearningRate = 1e-7;
        _h.Options.WarmStart = false;
        var second = await _h.Coordinator.RunAsync(new RetrainRequest("tester"), CancellationToken.None);
        output.WriteLine(second.Summary);
        Assert.Equal(RetrainOutcomeKind.NotPromoted, second.Kind);
        Assert.Equal("v0002", second.Version!.Name);
        Assert.Equal("v0001", second.ComparedWith);
        Assert.True(second.NewEvalLoss > second.ComparedEvalLoss, second.Summary);
        Assert.Contains("did not improve", second.Message);
        Assert.Contains("v0001 stays", second.Message);

        Assert.Equal("v0001", _h.Registry.ActiveVersion);
        Assert.Equal("v0001", _h.Model.Adapters.Active!.Version);
        var kept = _h.Registry.Get("v0002")!;
        Assert.False(kept.Metadata.Promoted);
        Assert.Equal(18, kept.Metadata.DatasetSize);
        Assert.Equal("v0001", (await _h.DraftAsync()).AdapterVersion);

        // Activate and roll back through the admin port.
        Assert.True(_h.Admin.Activate("v0002", "tester", "manual").Accepted);
        Assert.Equal("v0002", (await _h.DraftAsync()).AdapterVersion);
        var rollback = await _h.Admin.RollbackAsync("tester", CancellationToken.None);
        Assert.True(rollback.Accepted, rollback.Message);
        Assert.Equal("Rolled back from v0002 to v0001.", rollback.Message);
        Assert.Equal("v0001", _h.Registry.ActiveVersion);
        Assert.Equal("v0001", (await _h.DraftAsync()).AdapterVersion);
        Assert.Equal(["v0001", "v0002", "v0001"], _h.Registry.Activations().Select(a => a.Version));
    }

    [Fact]
    public async Task Rejected_drafts_never_reach_the_dataset_and_the_seed_file_is_merged_without_duplicates()
    {
        var curated = await _h.AddCuratedAsync(4);
        await _h.AddCuratedAsync(3, DecisionKind.Reject);
        string seed = _h.Folder.File("seed.jsonl");
        File.WriteAllLines(seed,
        [
            JsonSerializer.Serialize(new { comment = "great video number 1, thanks!", reply = "seed duplicate of c001" }),
            JsonSerializer.Serialize(new { comment = "what is rank?", reply = "the r in LoRA –ShawGPT" }),
            JsonSerializer.Serialize(new { comment = "What  is RANK?", reply = "the same comment again" }),
        ]);
        var examples = await _h.Store.ListCuratedExamplesAsync(CancellationToken.None);
        var dataset = RetrainDataset.Build(examples, ShawBot.Engine.Training.ReplyDataset.LoadJsonl(seed), 0.25);
        Assert.Equal(4, dataset.CuratedCount);
        Assert.Equal(1, dataset.SeedCount);
        Assert.Equal(5, dataset.Count);
        Assert.Equal(curated.Order(), dataset.CuratedIds);
        var all = dataset.Train.Concat(dataset.Eval).ToList();
        Assert.DoesNotContain(all, e => e.Reply.Contains("seed duplicate"));
        Assert.Equal("the r in LoRA –ShawGPT", all.Single(e => !e.Curated).Reply);
    }
}
