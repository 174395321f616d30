using ShawBot.Engine.Model;

namespace ShawBot.Engine.Tests.Model;

/// <summary>The decoder against PyTorch (../shared/golden): logits, hidden states, greedy tokens.</summary>
public class GoldenDecoderTests
{
    public static TheoryData<string> Models => new() { "tiny-mistral", "tiny-llama-bf16" };

    [Theory, MemberData(nameof(Models))]
    public void LogitsAndHiddenStatesMatchPyTorch(string name)
    {
        var g = GoldenCase.Load(name);
        using var model = ModelLoader.Load(g.Folder);
        int c = model.Config.HiddenSize;
        var logits = new float[g.T * g.V];
        var expectedLogits = g.Floats("logits_base");
        for (int b = 0; b < g.B; b++)
        {
            var session = new InferenceSession(model, 64, chunk: 7);   // chunk 7: prefill crosses chunk edges
            var hidden = new float[model.Config.NumLayers][];
            for (int l = 0; l < hidden.Length; l++) hidden[l] = new float[g.T * c];
            int filled = 0;
            session.LayerObserver = (layer, x) =>
            {
                int t = x.Length / c;
                x.Span.CopyTo(hidden[layer].AsSpan(filled * c));
                if (layer == hidden.Length - 1) filled += t;
            };
            session.Forward(g.Sequence(b), logits, allLogits: true);
            Assertions.Close(expectedLogits.AsSpan(b * g.T * g.V, g.T * g.V), logits, 1e-4, $"{name} logits_base[{b}]");
            for (int l = 0; l < hidden.Length; l++)
                Assertions.Close(g.Floats($"hidden.{l}").AsSpan(b * g.T * c, g.T * c), hidden[l], 1e-4, $"{name} hidden.{l}[{b}]");
        }
    }

    [Theory, MemberData(nameof(Models))]
    public void GreedyContinuationMatchesThroughCacheAndByRecomputing(string name)
    {
        var g = GoldenCase.Load(name);
        using var model = ModelLoader.Load(g.Folder);
        long[] prompt = g.Longs("greedy_prompt", out var ps);
        long[] expected = g.Longs("greedy_base", out var es);
        int p = (int)ps[1], n = (int)es[1], v = model.Config.VocabSize;
        for (int b = 0; b < ps[0]; b++)
        {
            int[] ids = prompt.Skip(b * p).Take(p).Select(x => (int)x).ToArray();
            int[] want = expected.Skip(b * n).Take(n).Select(x => (int)x).ToArray();

            // Through the KV cache: prefill, then one token at a time.
            var cached = new InferenceSession(model, 64);
            var logits = new float[v];
            var got = new List<int>();
            cached.Forward(ids, logits);
            for (int i = 0; i < n; i++)
            {
                int next = ShawBot.Engine.Generation.Sampler.ArgMax(logits);
                got.Add(next);
                if (i + 1 < n) cached.Forward([next], logits);
            }
            Assert.Equal(want, got);

            // By recomputing the whole sequence each step.
            var seq = ids.ToList();
            var all = new float[64 * v];
            for (int i = 0; i < n; i++)
            {
                var fresh = new InferenceSession(model, 64);
                fresh.Forward(seq.ToArray(), all, allLogits: true);
                seq.Add(ShawBot.Engine.Generation.Sampler.ArgMax(all.AsSpan((seq.Count - 1) * v, v)));
            }
            Assert.Equal(want, seq.Skip(p));
        }
    }
}
