using System.Diagnostics;
using System.Text;
using ShawBot.Engine.Tokenization;
using Xunit.Abstractions;

namespace ShawBot.Engine.Tests.Tokenization;

public sealed class TokenizerBehaviourTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("json")]
    [InlineData("model")]
    public void Properties_ComeFromModelAndConfig(string loader)
    {
        var tokenizer = MistralTokenizers.ByName(loader);
        Assert.Equal(32000, tokenizer.VocabSize);
        Assert.Equal(1, tokenizer.BosId);
        Assert.Equal(2, tokenizer.EosId);
        Assert.Equal(0, tokenizer.UnkId);
        Assert.Null(tokenizer.PadId);
        Assert.True(tokenizer.AddBos);
        Assert.False(tokenizer.AddEos);
        Assert.Equal("▁Hello", tokenizer.IdToToken(22557));
        Assert.Equal(22557, tokenizer.TokenToId("▁Hello"));
        Assert.Null(tokenizer.TokenToId("no such piece"));
        Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.IdToToken(32000));
    }

    [Theory]
    [InlineData("json")]
    [InlineData("model")]
    public void SpecialTokensInText_BecomeThoseTokens_AndEachTextRunGetsItsPrefix(string loader)
    {
        var tokenizer = MistralTokenizers.ByName(loader);
        // Legacy Llama behaviour (tokenizers' Prepend normalizer, transformers' slow tokenizer):
        // the text after "</s>" is normalized on its own, so "world" becomes "▁world".
        Assert.Equal(new[] { 1, 22557, 2, 1526 }, tokenizer.Encode("Hello</s>world"));
        Assert.Equal(new[] { 1, 1, 22557 }, tokenizer.Encode("<s>Hello"));
        Assert.Equal(new[] { 22557, 2 }, tokenizer.Encode("Hello</s>", addSpecial: false));
        Assert.Equal("Hello world", tokenizer.Decode([1, 22557, 2, 1526]));
        Assert.Equal("<s> Hello</s> world", tokenizer.Decode([1, 22557, 2, 1526], skipSpecial: false));
    }

    [Theory]
    [InlineData("json")]
    [InlineData("model")]
    public void InstMarkers_ArePlainText(string loader)
    {
        var tokenizer = MistralTokenizers.ByName(loader);
        Assert.Equal(new[] { 1, 733, 16289, 28793 }, tokenizer.Encode("[INST]"));
        Assert.Equal(new[] { 733, 16289, 28793 }, tokenizer.Encode("[INST]", addSpecial: false));
        Assert.Empty(tokenizer.Encode("", addSpecial: false));
        Assert.Equal(new[] { 1 }, tokenizer.Encode(""));
    }

    [Theory]
    [InlineData("json")]
    [InlineData("model")]
    public void TwentyThousandChars_EncodeAndRoundTrip(string loader)
    {
        var tokenizer = MistralTokenizers.ByName(loader);
        var text = new StringBuilder();
        text.Append('a', 10_000);
        while (text.Length < 20_000)
        {
            text.Append("Great video 🦙🦙 — naïve café, 東京, x=1 ");
        }

        string input = text.ToString();
        int[] ids = tokenizer.Encode(input);
        Assert.Equal(1, ids[0]);
        Assert.InRange(ids.Length, 1_000, 20_000);
        Assert.Equal(input, tokenizer.Decode(ids));
        var decoder = tokenizer.CreateIncrementalDecoder();
        Assert.Equal(input, string.Concat(ids.Select(decoder.Push)) + decoder.Flush());

        // Special tokens spread through a long text split it into runs, each encoded on its own.
        string withEos = string.Join("</s>", Enumerable.Repeat("Hello world", 1_000));
        int[] withEosIds = tokenizer.Encode(withEos, addSpecial: false);
        Assert.Equal(2_999, withEosIds.Length);
        Assert.Equal(999, withEosIds.Count(id => id == tokenizer.EosId));
        Assert.Equal(withEos, tokenizer.Decode(withEosIds, skipSpecial: false).Replace("</s> ", "</s>"));

        // A long run of one char merges into the longest "aaaa.." pieces: far fewer tokens than chars.
        int[] run = tokenizer.Encode(new string('a', 10_000), addSpecial: false);
        Assert.Equal(new string('a', 10_000), tokenizer.Decode(run));
        Assert.True(run.Length < 5_000, $"{run.Length} tokens for 10,000 'a'");
    }

    [Fact]
    public void EncodeSpeed_TwoThousandCharComment_IsMeasured()
    {
        string comment = string.Concat(Enumerable.Repeat(
            "Thanks Shaw! This QLoRA explanation finally made it click 🙏 — could you cover RAG next? ", 25))[..2000];
        foreach (var (name, tokenizer) in new[] { ("tokenizer.json", MistralTokenizers.Json), ("tokenizer.model", MistralTokenizers.Model) })
        {
            var ids = new List<int>(1024);
            for (int i = 0; i < 200; i++)
            {
                ids.Clear();
                tokenizer.Encode(comment.AsSpan(), ids, addSpecial: true);
            }

            const int Runs = 500;
            var watch = Stopwatch.StartNew();
            for (int i = 0; i < Runs; i++)
            {
                ids.Clear();
                tokenizer.Encode(comment.AsSpan(), ids, addSpecial: true);
            }

            watch.Stop();
            double microseconds = watch.Elapsed.TotalMicroseconds / Runs;
            output.WriteLine($"{name}: 2000-char comment -> {ids.Count} ids in {microseconds:F1} us per Encode");
            Assert.Equal(comment, tokenizer.Decode(ids.ToArray()));
        }
    }
}
