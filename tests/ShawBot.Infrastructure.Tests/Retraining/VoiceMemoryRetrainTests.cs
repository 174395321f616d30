using ShawBot.Core.Domain;
using ShawBot.Engine.Retrieval;
using ShawBot.Engine.Training;
using ShawBot.Infrastructure.Engine;
using ShawBot.Infrastructure.Retraining;

namespace ShawBot.Infrastructure.Tests.Retraining;

/// <summary>
/// Voice memory in the service: the drafter's pool (<see cref="VoiceMemorySource"/>) is the
/// retrain's training pool, so a curated comment's draft prompt is its training prompt, and the
/// retrain trains and evaluates with {examples} filled.
/// </summary>
[Collection(RetrainCollection.Name)]
public sealed class VoiceMemoryRetrainTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    /// <summary>The harness with {examples} in its template (written before the model, and so the template, loads).</summary>
    private static RetrainHarness Harness()
    {
        var h = new RetrainHarness();
        File.WriteAllText(Path.Combine(h.Engine.PromptsPath!, "template.txt"), "<s>[INST] {instructions} \n{examples}{comment} \n[/INST]\n{reply}</s>");
        return h;
    }

    [Fact]
    public async Task A_curated_comments_draft_prompt_is_its_training_prompt_andheld_out_replies_never_show()
    {
        using var h = Harness();
        await h.AddCuratedAsync(12);
        // A seed file of 10 lines: line 10 is held out (HeldOutSplit) and may never be an example.
        string seed = h.Folder.File("seed.jsonl");
        File.WriteAllLines(seed, Enumerable.Range(1, 10).Select(i => $"{{\"comment\": \"seed video number {i} was great\", \"reply\": \"seed reply {i} –ShawGPT\"}}"));
        h.Options.SeedDataPath = seed;

        var curated = await h.Store.ListCuratedExamplesAsync(None);
        var dataset = RetrainDataset.Build(curated, HeldOutSplit.Load(seed, DataPart.Train), h.Options.EvalFraction);
        var trainer = new Trainer(h.Model.Model, h.Model.Tokenizer, h.Model.Template, h.Options.ToTrainOptions(h.Model.Name) with { VoiceMemory = h.Engine.VoiceMemory() });
        var train = RetrainDataset.ToReplyExamples(dataset.Train);
        var memory = trainer.MemoryOf(train);
        Assert.NotNull(memory);
        var source = new VoiceMemorySource(h.Model, h.Store, Microsoft.Extensions.Options.Options.Create(h.Options));
        var heldOut = dataset.Eval.Select(e => $"Comment: {e.Comment}\n").Append("seed reply 10 –").ToList();
        Assert.True(dataset.Eval.Count > 0);
        foreach (var e in train.Concat(RetrainDataset.ToReplyExamples(dataset.Eval)))
        {
            var slots = await source.SlotsForAsync(e.Slots(), None);
            int[] drafting = h.Model.Prompt.Build(slots, 4096).Ids;
            var example = ReplyDataset.Encode(e, h.Model.Prompt, 4096, memory);
            Assert.Equal(drafting, example.Ids[..drafting.Length]);
            Assert.StartsWith(VoiceMemory.Header, slots.Examples);
            Assert.Equal(3, slots.Examples.Split("\nReply: ").Length - 1);
            Assert.DoesNotContain($"Comment: {e.Comment}\n", slots.Examples);
            foreach (string held in heldOut) Assert.DoesNotContain(held, slots.Examples);
        }
    }

    [Fact]
    public async Task The_retrain_trains_evaluates_and_samples_with_examples()
    {
        using var h = Harness();
        await h.AddCuratedAsync(12);
        var outcome = await h.Coordinator.RunAsync(new RetrainRequest("tester"), None);
        Assert.True(outcome.Kind is RetrainOutcomeKind.Promoted or RetrainOutcomeKind.NotPromoted, outcome.Message);
        Assert.True(double.IsFinite(outcome.NewEvalLoss!.Value));
        Assert.Equal(2, outcome.Samples.Count);
        // With {examples}, each training example is longer than its comment alone: the prompt the loss saw had the block.
        var memory = new Trainer(h.Model.Model, h.Model.Tokenizer, h.Model.Template, h.Options.ToTrainOptions(h.Model.Name)).MemoryOf(
            [new ReplyExample("great video number 1, thanks!", "a"), new ReplyExample("great video number 2, thanks!", "b")]);
        Assert.Equal("Replies to similar comments:\nComment: great video number 2, thanks!\nReply: b\n\n", memory!.Block("great video number 1, thanks!"));
    }
}
