using ShawBot.Engine.Generation;
using ShawBot.Engine.Lora;
using ShawBot.Engine.Model;
using ShawBot.Engine.Training;

namespace ShawBot.Engine.Tests.Training;

public class TrainerTests
{
    private static readonly ReplyExample[] Data = Enumerable.Range(0, 12).Select(i => new ReplyExample(
        $"comment {i}: great video #{i}", i % 2 == 0 ? $"thanks {i}! -S" : $"glad it helped {i} -S")).ToArray();

    private static readonly PromptTemplate Template = new("Reply.", "<s>[I] {instructions} {comment} [/I]{reply}</s>");

    private static TrainOptions Options(bool eightBit, int maxSteps = 30) => new()
    {
        Lora = new LoraConfig { Rank = 8, Alpha = 16, TargetPattern = "all-linear", TargetModules = [], Dropout = 0.05 },
        LearningRate = 1e-2f, BatchSize = 4, GradientAccumulation = 1, Epochs = 10, WarmupSteps = 2,
        Optimizer = new AdamWOptions { WeightDecay = 0.01f, EightBit = eightBit }, EvalFraction = 0, MaxLength = 64, MaxSteps = maxSteps, Seed = 11,
    };

    private static TrainResult Run(LlamaModel model, TrainOptions o, string dir, CancellationToken ct = default, IProgress<TrainProgress>? progress = null)
        => new Trainer(model, new ByteTokenizer(), Template, o).Train(Data, [], dir, progress, ct);

    [Fact]
    public void ThirtyStepsHalveTheLossAndEightBitAdamAgrees()
    {
        using var model = ModelLoader.Load(TestPaths.GoldenModel("tiny-mistral"));
        using var d32 = new TempDir();
        using var d8 = new TempDir();
        var r32 = Run(model, Options(false), d32.Path);
        var r8 = Run(model, Options(true), d8.Path);
        Assert.Equal(30, r32.Steps);
        Assert.True(r32.TrainLosses[^1] < 0.5 * r32.TrainLosses[0], $"loss {r32.TrainLosses[0]:F3} → {r32.TrainLosses[^1]:F3}");
        Assert.True(r8.TrainLosses[^1] < 0.5 * r8.TrainLosses[0], $"8-bit loss {r8.TrainLosses[0]:F3} → {r8.TrainLosses[^1]:F3}");
        Assert.InRange(r8.TrainLosses[^1] / r32.TrainLosses[^1], 0.8, 1.25);
        // The output folder is a PEFT adapter that reloads, plus the curve and metrics.
        var reloaded = PeftAdapterFiles.Load(d32.Path, model.Config);
        Assert.Equal(8, reloaded.Config.Rank);
        var curve = LossCurve.Load(Path.Combine(d32.Path, LossCurve.FileName));   // the numbers; plots are drawn by the service
        Assert.Equal(r32.TrainLosses, curve.TrainLosses);
        Assert.Equal(r32.EvalLosses, curve.EvalLosses);
        Assert.Contains("\"completed\": true", File.ReadAllText(Path.Combine(d32.Path, "metrics.json")));
    }

    [Fact]
    public void QLoraOnA4BitBaseHalvesTheLoss()
    {
        using var model = ModelLoader.Load(TestPaths.GoldenModel("tiny-mistral"), new ModelLoadOptions { Quantize = WeightFormat.Nf4, DoubleQuant = true });
        Assert.IsType<ShawBot.Engine.Model.Nf4Linear>(model.Layers[0].Q);
        using var dir = new TempDir();
        var r = Run(model, Options(eightBit: true), dir.Path);
        Assert.Equal(30, r.Steps);
        Assert.True(r.TrainLosses[^1] < 0.5 * r.TrainLosses[0], $"QLoRA loss {r.TrainLosses[0]:F3} → {r.TrainLosses[^1]:F3}");
    }

    [Fact]
    public void ResumeFromCheckpointEndsBitIdenticalToAnUninterruptedRun()
    {
        using var model = ModelLoader.Load(TestPaths.GoldenModel("tiny-mistral"));
        using var whole = new TempDir();
        using var split = new TempDir();
        var full = Run(model, Options(true, 15), whole.Path);

        using var cts = new CancellationTokenSource();
        var first = Run(model, Options(true, 15), split.Path, cts.Token,
            new SyncProgress(p => { if (p.Step == 7 && p.EvalLoss == null) cts.Cancel(); }));
        Assert.False(first.Completed);
        Assert.Equal(7, first.Steps);
        var second = Run(model, Options(true, 15), split.Path);
        Assert.True(second.Completed);
        Assert.Equal(full.TrainLosses, second.TrainLosses);
        var a = PeftAdapterFiles.Load(whole.Path, model.Config);
        var b = PeftAdapterFiles.Load(split.Path, model.Config);
        Assert.Equal(a.Parameters, b.Parameters);
    }

    /// <summary>Progress&lt;T&gt; posts to the thread pool; tests need the callback inline.</summary>
    private sealed class SyncProgress(Action<TrainProgress> f) : IProgress<TrainProgress>
    {
        public void Report(TrainProgress value) => f(value);
    }

    [Fact]
    public void TruncationKeepsTheReplyAndLabelsOnlyIt()
    {
        var tok = new ByteTokenizer();
        var longComment = new string('x', 500);
        var e = ReplyDataset.Encode(new ReplyExample(longComment, "short reply"), Template, tok, 64);
        Assert.Equal(64, e.Ids.Length);
        Assert.Equal(1, e.Ids[0]);                                               // BOS kept
        Assert.Equal("short reply", tok.Decode(e.Ids.AsSpan(e.PromptLength, "short reply".Length)));
        Assert.Equal(2, e.Ids[^1]);                                              // EOS
        var batch = ReplyDataset.Collate([e, ReplyDataset.Encode(Data[0], Template, tok, 64)], 0, trainOnPrompt: false);
        Assert.Equal(2, batch.B);
        Assert.Equal(64, batch.T);
        Assert.All(batch.Labels.Take(e.PromptLength), l => Assert.Equal(-100, l));
        Assert.Equal(e.Ids.Length - e.PromptLength, batch.Labels.Take(64).Count(l => l != -100));
    }

    [Fact]
    public void SplitIsDeterministicByComment()
    {
        var all = Enumerable.Range(0, 200).Select(i => new ReplyExample($"c{i}", "r")).ToList();
        var (t1, e1) = ReplyDataset.Split(all, 0.1);
        var (t2, e2) = ReplyDataset.Split(all.AsEnumerable().Reverse().ToList(), 0.1);
        Assert.Equal(e1.Select(x => x.Comment).Order(), e2.Select(x => x.Comment).Order());
        Assert.InRange(e1.Count, 8, 35);
        Assert.Equal(200, t1.Count + e1.Count);
    }

    [Fact]
    public void BadJsonlNamesTheLine()
    {
        using var dir = new TempDir();
        File.WriteAllLines(dir.File("d.jsonl"), ["{\"comment\":\"a\",\"reply\":\"b\"}", "{\"comment\":\"a\"}"]);
        var e = Assert.Throws<InvalidDataException>(() => ReplyDataset.LoadJsonl(dir.File("d.jsonl")));
        Assert.Contains("d.jsonl:2", e.Message);
        Assert.Contains("reply", e.Message);
    }
}
