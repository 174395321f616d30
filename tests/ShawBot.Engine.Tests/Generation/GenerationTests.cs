using ShawBot.Engine.Generation;
using ShawBot.Engine.Model;
using ShawBot.Engine.Tokenization;
using ShawBot.Engine.Training;

namespace ShawBot.Engine.Tests.Generation;

/// <summary>KV-cached generation with the real Mistral tokenizer on a small random model.</summary>
public sealed class GenerationTests : IDisposable
{
    private readonly ITokenizer _tok = TokenizerLoader.Load(Path.Combine(TestPaths.RepoRoot, "..", "shared", "fixtures", "mistral-7b-v0.1-tokenizer"));
    private readonly LlamaModel _model;
    private readonly int[] _prompt;

    public GenerationTests()
    {
        var cfg = ModelConfig.Parse("""
            {"model_type":"llama","hidden_size":32,"intermediate_size":64,"num_hidden_layers":2,"num_attention_heads":4,
             "num_key_value_heads":2,"vocab_size":32000,"max_position_embeddings":256,"tie_word_embeddings":true,"hidden_act":"silu"}
            """, "test");
        _model = FullModel.CreateRandom(cfg, 5);
        // Sharper logits than the 0.02 init, so sampling has something to choose between.
        for (int i = 0; i < _model.Embedding.Length; i++) _model.Embedding[i] *= 40f;
        _prompt = _tok.Encode("Great video, thanks!");
    }

    public void Dispose() => _model.Dispose();

    private List<int> ManualGreedy(int n)
    {
        var s = new InferenceSession(_model, 256);
        var logits = new float[_model.Config.VocabSize];
        var outIds = new List<int>();
        s.Forward(_prompt, logits);
        for (int i = 0; i < n; i++)
        {
            int next = Sampler.ArgMax(logits);
            if (next == _tok.EosId) break;
            outIds.Add(next);
            s.Forward([next], logits);
        }
        return outIds;
    }

    [Fact]
    public void GreedyMatchesAManualArgmaxLoopAndStreamsTheSameText()
    {
        var gen = new TextGenerator(_model, _tok, 256);
        var streamed = new System.Text.StringBuilder();
        var r = gen.Generate(_prompt, SamplingOptions.Greedy with { MaxNewTokens = 24 }, null, t => streamed.Append(t));
        var expected = ManualGreedy(24);
        Assert.Equal(expected, r.Tokens);
        Assert.Equal(_tok.Decode(expected.ToArray()), r.Text);
        Assert.Equal(r.Text, streamed.ToString());
        Assert.Equal(r.Tokens.Length == 24 ? StopReason.MaxTokens : StopReason.EndOfSequence, r.StopReason);
        Assert.Equal(_prompt.Length, r.PromptTokens);
    }

    /// <summary>
    /// Drafts share their instructions: a prompt that starts like the previous one prefills only the
    /// rest, and the result is what a fresh generator gives. Another adapter (or none) starts over.
    /// </summary>
    [Fact]
    public void ASharedPromptPrefixIsReusedOnlyForTheSameAdapter()
    {
        int[] first = _tok.Encode("Instructions for every reply: be kind and brief. Comment: Great video, thanks!");
        int[] second = _tok.Encode("Instructions for every reply: be kind and brief. Comment: What GPU did you use?");
        int shared = 0;
        while (first[shared] == second[shared]) shared++;
        Assert.True(shared > 10, $"the prompts share only {shared} tokens");
        var o = SamplingOptions.Greedy with { MaxNewTokens = 12 };
        var gen = new TextGenerator(_model, _tok, 256);
        var a = gen.Generate(first, o);
        Assert.Equal(0, a.CachedPromptTokens);
        var b = gen.Generate(second, o);
        Assert.Equal(shared, b.CachedPromptTokens);
        Assert.Equal(new TextGenerator(_model, _tok, 256).Generate(second, o).Tokens, b.Tokens);
        // The same prompt again reuses all but its last token (that one is run for its logits).
        var c = gen.Generate(second, o);
        Assert.Equal(second.Length - 1, c.CachedPromptTokens);
        Assert.Equal(b.Tokens, c.Tokens);
        // A different adapter object sees other keys and values: nothing is reused.
        var adapter = ShawBot.Engine.Lora.LoraAdapter.CreateNew(_model.Config, new ShawBot.Engine.Lora.LoraConfig { Rank = 2, Alpha = 4 }, 3);
        Assert.Equal(0, gen.Generate(second, o, adapter).CachedPromptTokens);
        Assert.Equal(second.Length - 1, gen.Generate(second, o, adapter).CachedPromptTokens);
        Assert.Equal(0, gen.Generate(second, o).CachedPromptTokens);
        // After the weights change in place the caller drops the cache: nothing is reused.
        gen.ForgetCachedPrompt();
        Assert.Equal(0, gen.Generate(second, o).CachedPromptTokens);
    }

    [Fact]
    public void StopStringCutsTheTextAndIsNeverStreamed()
    {
        var gen = new TextGenerator(_model, _tok, 256);
        var full = gen.Generate(_prompt, SamplingOptions.Greedy with { MaxNewTokens = 24 });
        Assert.True(full.Text.Length > 12, $"need some text to cut, got '{full.Text}'");
        string stop = full.Text.Substring(6, 4);
        var streamed = new System.Text.StringBuilder();
        var r = gen.Generate(_prompt, SamplingOptions.Greedy with { MaxNewTokens = 24, StopStrings = [stop] }, null, t => streamed.Append(t));
        Assert.Equal(StopReason.StopString, r.StopReason);
        Assert.Equal(full.Text[..full.Text.IndexOf(stop, StringComparison.Ordinal)], r.Text);
        Assert.Equal(r.Text, streamed.ToString());
        // Which stop ended it, and the text with it put back (one space), as drafts keep the sign-off.
        Assert.Equal(stop, r.Stop);
        Assert.Equal(r.Text.TrimEnd() + " " + stop, r.TextWithStop);
        var other = gen.Generate(_prompt, SamplingOptions.Greedy with { MaxNewTokens = 24, StopStrings = ["\u0001never", stop] });
        Assert.Equal(stop, other.Stop);
        Assert.Null(full.Stop);
        Assert.Equal(full.Text, full.TextWithStop);
    }

    [Fact]
    public void SamplingIsReproducibleForASeed()
    {
        var gen = new TextGenerator(_model, _tok, 256);
        var o = new SamplingOptions { Temperature = 1.5f, TopK = 50, TopP = 0.95f, MaxNewTokens = 16, Seed = 7 };
        var a = gen.Generate(_prompt, o);
        var b = gen.Generate(_prompt, o);
        var c = gen.Generate(_prompt, o with { Seed = 8 });
        Assert.Equal(a.Tokens, b.Tokens);
        Assert.NotEqual(a.Tokens, c.Tokens);
        // top-k 1 is greedy whatever the temperature
        var k1 = gen.Generate(_prompt, o with { TopK = 1 });
        Assert.Equal(ManualGreedy(16), k1.Tokens);
    }

    [Fact]
    public void RejectsBadOptionsAndPrompts()
    {
        var gen = new TextGenerator(_model, _tok, 32);
        Assert.Throws<ArgumentOutOfRangeException>(() => gen.Generate(_prompt, new SamplingOptions { Temperature = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => gen.Generate(_prompt, new SamplingOptions { TopP = 0 }));
        Assert.Throws<ArgumentException>(() => gen.Generate([], SamplingOptions.Greedy));
        Assert.Throws<ArgumentException>(() => gen.Generate(Enumerable.Repeat(100, 40).ToArray(), SamplingOptions.Greedy));
        Assert.Throws<ArgumentOutOfRangeException>(() => gen.Generate([1, 40000], SamplingOptions.Greedy));
    }
}

public class SamplerTests
{
    [Fact]
    public void RepetitionPenaltyDividesPositiveAndMultipliesNegativeLogits()
    {
        var s = new Sampler(new SamplingOptions { RepetitionPenalty = 2f }, 4);
        float[] logits = [2f, 1.9f, -1f, -3f];
        Assert.Equal(1, s.Next(logits, new HashSet<int> { 0, 2 }));
        Assert.Equal([1f, 1.9f, -2f, -3f], logits);
    }

    [Fact]
    public void TopPKeepsTheSmallestNucleus()
    {
        // probabilities ≈ 0.64, 0.24, 0.09, 0.03: top-p 0.6 keeps only the first token.
        var s = new Sampler(new SamplingOptions { Temperature = 1f, TopP = 0.6f, Seed = 3 }, 4);
        for (int i = 0; i < 200; i++) Assert.Equal(0, s.Next(new[] { 3f, 2f, 1f, 0f }, new HashSet<int>()));
        // top-p 0.9 keeps two: both appear, the third never.
        var s2 = new Sampler(new SamplingOptions { Temperature = 1f, TopP = 0.85f, Seed = 3 }, 4);
        var seen = Enumerable.Range(0, 400).Select(_ => s2.Next(new[] { 3f, 2f, 1f, 0f }, new HashSet<int>())).ToHashSet();
        Assert.Equal(new HashSet<int> { 0, 1 }, seen);
    }

    [Fact]
    public void TemperatureSamplingFollowsTheSoftmax()
    {
        var s = new Sampler(new SamplingOptions { Temperature = 1f, Seed = 11 }, 2);
        int ones = Enumerable.Range(0, 4000).Count(_ => s.Next(new[] { 0f, MathF.Log(3f) }, new HashSet<int>()) == 1);
        Assert.InRange(ones / 4000.0, 0.72, 0.78);   // p(1) = 3/4
    }

    /// <summary>
    /// A 500-token vocabulary whose nucleus needs more than the first 64 ids: frequencies of 60,000
    /// draws against the distribution computed here by a full sort in double precision, for plain
    /// temperature, top-k, top-p and both (each id within 4.5 standard deviations; ids outside the
    /// kept set never drawn).
    /// </summary>
    [Theory]
    [InlineData(0.7f, 0, 1f)]
    [InlineData(1.3f, 40, 1f)]
    [InlineData(1f, 0, 0.8f)]
    [InlineData(0.9f, 100, 0.7f)]
    public void SamplesFollowTheFilteredSoftmax(float temperature, int topK, float topP)
    {
        const int vocab = 500, draws = 60_000;
        var rng = new Random(5);
        float[] logits = Enumerable.Range(0, vocab).Select(_ => (float)(rng.NextDouble() * 3)).ToArray();
        logits[17] = logits[18];                       // a tie: the lower id sorts first
        // Reference: sort by logit (ties by id), cut to top-k, then to the smallest prefix with mass ≥ top-p.
        int[] order = Enumerable.Range(0, vocab).OrderByDescending(i => logits[i]).ThenBy(i => i).ToArray();
        int keep = topK > 0 ? topK : vocab;
        double[] w = order.Take(keep).Select(i => Math.Exp((logits[i] - logits[order[0]]) / temperature)).ToArray();
        if (topP < 1f)
        {
            double total = w.Sum(), cum = 0;
            for (int i = 0; i < keep; i++) { cum += w[i] / total; if (cum >= topP) { keep = i + 1; break; } }
        }
        Assert.True(topP == 1f || topK > 0 || keep > 64, $"the nucleus should outgrow the first selection, has {keep}");
        double z = w.Take(keep).Sum();
        var expected = new double[vocab];
        for (int i = 0; i < keep; i++) expected[order[i]] = w[i] / z;

        var s = new Sampler(new SamplingOptions { Temperature = temperature, TopK = topK, TopP = topP, Seed = 21 }, vocab);
        var counts = new int[vocab];
        for (int d = 0; d < draws; d++) counts[s.Next((float[])logits.Clone(), Array.Empty<int>())]++;
        for (int id = 0; id < vocab; id++)
        {
            if (expected[id] == 0) { Assert.True(counts[id] == 0, $"id {id} is outside the kept set but was drawn {counts[id]} times"); continue; }
            double mean = draws * expected[id], sd = Math.Sqrt(draws * expected[id] * (1 - expected[id]));
            Assert.True(Math.Abs(counts[id] - mean) <= 4.5 * sd + 1, $"id {id}: drawn {counts[id]} times, expected {mean:F1} ± {sd:F1}");
        }
    }

    [Fact]
    public void TopKBreaksTiesByLowerId()
    {
        var s = new Sampler(new SamplingOptions { Temperature = 1f, TopK = 2, Seed = 4 }, 5);
        var seen = Enumerable.Range(0, 300).Select(_ => s.Next(new[] { 1f, 2f, 2f, 2f, 0f }, Array.Empty<int>())).ToHashSet();
        Assert.Equal(new HashSet<int> { 1, 2 }, seen);
    }
}

public class PromptTemplateTests
{
    private static readonly ITokenizer Tok = TokenizerLoader.Load(Path.Combine(TestPaths.RepoRoot, "..", "shared", "fixtures", "mistral-7b-v0.1-tokenizer"));

    [Fact]
    public void DefaultTemplateReproducesTheReferenceLayout()
    {
        var t = new PromptTemplate("Be nice.", PromptTemplate.DefaultTemplate);
        Assert.Equal("[INST] Be nice. \nGreat video \n[/INST]", t.RenderPrompt(new PromptSlots("Great video")));
        Assert.Equal("[INST] Be nice. \nGreat video \n[/INST]\nThanks! –ShawGPT", t.RenderExample(new PromptSlots("Great video"), "Thanks! –ShawGPT"));
        int[] prompt = t.EncodePrompt(Tok, new PromptSlots("Great video"));
        Assert.Equal(1, prompt[0]);
        Assert.Equal(1, prompt.Count(id => id == 1));           // BOS once, from the tokenizer
        Assert.Equal(Tok.Encode("[INST] Be nice. \nGreat video \n[/INST]"), prompt);
        var (ids, promptLength) = t.EncodeExample(Tok, new PromptSlots("Great video"), "Thanks! –ShawGPT");
        Assert.Equal(2, ids[^1]);                                 // EOS from </s>
        Assert.Equal("Thanks! –ShawGPT", Tok.Decode(ids.AsSpan(promptLength)).Trim());
    }

    [Fact]
    public void ShippedPromptsLoadAndBadTemplatesAreRejected()
    {
        var shipped = PromptTemplate.Load(Path.Combine(TestPaths.RepoRoot, "prompts"));
        Assert.Contains("–ShawGPT", shipped.Instructions);
        Assert.Equal(PromptTemplate.DefaultTemplate, shipped.Template);
        Assert.Throws<FormatException>(() => new PromptTemplate("x", "[INST] {comment} [/INST]"));
        Assert.Throws<FormatException>(() => new PromptTemplate("x", "{reply} [INST] {comment}"));
        using var dir = new TempDir();
        Assert.Throws<FileNotFoundException>(() => PromptTemplate.Load(dir.Path));
    }
}
