using ShawBot.Engine.Generation;
using ShawBot.Engine.Kernels;
using ShawBot.Engine.Lora;
using ShawBot.Engine.Model;
using ShawBot.Engine.Tokenization;
using ShawBot.Engine.Training;

namespace ShawBot.Engine.Tests.Training;

/// <summary>
/// Shared-prefix training against the per-example computation (the padded [B, T] batch, each
/// row its own sequence): the same loss and the same LoRA gradients, with LoRA on attention and
/// MLP projections, with and without gradient checkpointing.
/// </summary>
public class SharedPrefixTests
{
    public static TheoryData<string, bool> Cases => new()
    {
        { "tiny-mistral", false }, { "tiny-mistral", true }, { "tiny-llama-bf16", false }, { "tiny-llama-bf16", true },
        { "tiny-shawbot", false }, { "tiny-shawbot", true },
    };

    internal static string TinyShawBot => Path.Combine(TestPaths.RepoRoot, "models", "tiny-shawbot");

    /// <summary>
    /// Golden models: a 20-token shared instruction, then a ragged comment (part of the prompt)
    /// and reply; lengths 24–49 so both the loop and the blocked attention kernels run.
    /// tiny-shawbot: seed replies through the real prompt template and tokenizer.
    /// </summary>
    private static (LlamaModel Model, List<EncodedExample> Examples) Setup(string name)
    {
        if (name == "tiny-shawbot")
        {
            var model = ModelLoader.Load(TinyShawBot);
            var tok = TokenizerLoader.Load(TinyShawBot);
            var template = PromptTemplate.Load(Path.Combine(TestPaths.RepoRoot, "prompts"));
            var seed = ReplyDataset.LoadJsonl(Path.Combine(TestPaths.RepoRoot, "data", "seed-replies.jsonl"));
            return (model, seed.Take(5).Select(e => ReplyDataset.Encode(e, template, tok, 512)).ToList());
        }
        var m = ModelLoader.Load(TestPaths.GoldenModel(name));
        var rng = new SplitMix(7);
        int v = m.Config.VocabSize;
        int[] instruction = Enumerable.Range(0, 20).Select(_ => (int)(rng.NextULong() % (ulong)v)).ToArray();
        var list = new List<EncodedExample>();
        foreach (var (comment, reply) in new[] { (3, 4), (8, 21), (1, 3), (6, 12) })
        {
            var ids = instruction.Concat(Enumerable.Range(0, comment + reply).Select(_ => (int)(rng.NextULong() % (ulong)v))).ToArray();
            list.Add(new EncodedExample(ids, instruction.Length + comment));
        }
        return (m, list);
    }

    /// <summary>LoRA r4 on every linear (q…o and gate/up/down), dropout off, B random so that A's gradients are not zero.</summary>
    private static LoraAdapter NewAdapter(ModelConfig c)
    {
        var a = LoraAdapter.CreateNew(c, new LoraConfig { Rank = 4, Alpha = 8, TargetModules = [], TargetPattern = "all-linear", Dropout = 0 }, 3);
        var rng = new SplitMix(5);
        foreach (var m in a.Modules)
        {
            var b = a.B(m);
            for (int i = 0; i < b.Length; i++) b[i] = (float)(rng.NextGaussian() * 0.05);
        }
        return a;
    }

    [Theory, MemberData(nameof(Cases))]
    public void LossAndLoraGradientsEqualThePerExampleComputation(string name, bool checkpointing)
    {
        var (model, examples) = Setup(name);
        using var _ = model;
        var adapter = NewAdapter(model.Config);
        adapter.Training = true;
        int maxT = examples.Max(e => e.Ids.Length);
        var graph = new TrainingGraph(model, adapter, examples.Count, maxT, checkpointing);
        var grads = adapter.EnsureGradients();

        var padded = ReplyDataset.Collate(examples, 0, trainOnPrompt: false);
        var (refSum, refCount) = graph.Run(padded.Tokens, padded.Labels, padded.B, padded.T, backward: true, gradScale: 0.5f);
        var refGrads = (float[])grads.Clone();

        var shared = PrefixCollation.Collate(examples, trainOnPrompt: false);
        int expectedPrefix = name == "tiny-shawbot" ? SharedTokens(examples) : 20;
        Assert.Equal(expectedPrefix, shared.PrefixLength);
        Array.Clear(grads);
        var (sum, count) = graph.Run(shared, backward: true, gradScale: 0.5f);

        Assert.Equal(refCount, count);
        Assert.Equal(padded.LabelledTokens, count);
        Assert.Equal(refSum / refCount, sum / count, 1e-5);
        Assert.Contains(refGrads, g => g != 0);
        foreach (var m in adapter.Modules)
        {
            Assertions.CloseRelative(refGrads.AsSpan(m.OffsetA, adapter.A(m).Length), grads.AsSpan(m.OffsetA, adapter.A(m).Length), 1e-5, $"{name} dA {m.PeftPrefix}");
            Assertions.CloseRelative(refGrads.AsSpan(m.OffsetB, adapter.B(m).Length), grads.AsSpan(m.OffsetB, adapter.B(m).Length), 1e-5, $"{name} dB {m.PeftPrefix}");
        }
    }

    /// <summary>Longest common prefix of the ids, found the plain way, capped one short of each prompt's end.</summary>
    private static int SharedTokens(List<EncodedExample> ex)
    {
        int p = 0;
        while (ex.All(e => p < e.PromptLength - 1 && e.Ids[p] == ex[0].Ids[p])) p++;
        return p;
    }

    [Fact]
    public void PrefixNeverHoldsATargetAndSuffixPositionsContinueAfterIt()
    {
        var examples = new List<EncodedExample>
        {
            new([1, 5, 6, 7, 8, 9], 4),          // prompt 1 5 6 7, reply 8 9
            new([1, 5, 6, 7, 3], 3),             // prompt 1 5 6, reply 7 3: row 1 (token 5) predicts 6, unlabelled; row 2 predicts 7, labelled
        };
        var b = PrefixCollation.Collate(examples, trainOnPrompt: false);
        Assert.Equal(2, b.PrefixLength);                           // 1 5 — not 6, whose row predicts a label of example 2
        Assert.Equal([1, 5, 6, 7, 8, 9, 6, 7, 3], b.Tokens);
        int I = CrossEntropy.IgnoreIndex;
        Assert.Equal([I, I, I, 8, 9, I, 7, 3, I], b.Targets);
        Assert.Equal([4, 3], b.SuffixLengths);
        Assert.Equal(0, PrefixCollation.Collate(examples, trainOnPrompt: true).PrefixLength);
        Assert.Equal(0, PrefixCollation.Collate(examples, trainOnPrompt: false, share: false).PrefixLength);
        Assert.Equal(11, b.UnsharedRows);
    }
}
