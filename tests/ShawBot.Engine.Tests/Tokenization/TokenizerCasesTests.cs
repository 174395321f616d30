using System.Text;
using ShawBot.Engine.Tokenization;

namespace ShawBot.Engine.Tests.Tokenization;

/// <summary>
/// Every line of cases.jsonl (566 strings whose ids spm_encode and mistral-tokenizer-js agree on)
/// through both loaders. Failures are aggregated; the message shows the count and the first five.
/// </summary>
public sealed class TokenizerCasesTests
{
    [Fact]
    public void TokenizerJson_EncodeAndDecode_MatchEveryCase() => AssertAllCases(MistralTokenizers.Json);

    [Fact]
    public void TokenizerModel_EncodeAndDecode_MatchEveryCase() => AssertAllCases(MistralTokenizers.Model);

    [Theory]
    [InlineData("json")]
    [InlineData("model")]
    public void IncrementalDecode_EqualsDecode_ForEveryCase(string loader)
    {
        var tokenizer = MistralTokenizers.ByName(loader);
        var failures = new List<string>();
        foreach (var c in MistralTokenizers.Cases)
        {
            foreach (bool skipSpecial in new[] { true, false })
            {
                var decoder = tokenizer.CreateIncrementalDecoder(skipSpecial);
                var streamed = new StringBuilder();
                foreach (int id in c.Ids)
                {
                    streamed.Append(decoder.Push(id));
                }

                streamed.Append(decoder.Flush());
                string expected = tokenizer.Decode(c.Ids, skipSpecial);
                if (streamed.ToString() != expected)
                {
                    failures.Add($"line {c.Line} skipSpecial={skipSpecial} {Show(c.Text)}: streamed {Show(streamed.ToString())}, Decode {Show(expected)}");
                }
            }
        }

        Assert.True(failures.Count == 0, Summarize(failures, MistralTokenizers.Cases.Count * 2));
    }

    [Theory]
    [InlineData("json")]
    [InlineData("model")]
    public void EncodeIntoList_AppendsSameIdsAsEncode(string loader)
    {
        var tokenizer = MistralTokenizers.ByName(loader);
        var output = new List<int> { -7 };
        foreach (var c in MistralTokenizers.Cases.Take(50))
        {
            output.RemoveRange(1, output.Count - 1);
            tokenizer.Encode(c.Text.AsSpan(), output, addSpecial: false);
            Assert.Equal(c.Ids.Skip(1), output.Skip(1));
            Assert.Equal(-7, output[0]);
        }
    }

    private static void AssertAllCases(ITokenizer tokenizer)
    {
        var failures = new List<string>();
        foreach (var c in MistralTokenizers.Cases)
        {
            int[] ids = tokenizer.Encode(c.Text);
            if (!ids.AsSpan().SequenceEqual(c.Ids))
            {
                failures.Add($"line {c.Line} encode {Show(c.Text)}: got [{string.Join(", ", ids)}], expected [{string.Join(", ", c.Ids)}]");
            }

            string decoded = tokenizer.Decode(c.Ids);
            if (decoded != c.Decoded)
            {
                failures.Add($"line {c.Line} decode {Show(c.Text)}: got {Show(decoded)}, expected {Show(c.Decoded)}");
            }
        }

        Assert.Equal(566, MistralTokenizers.Cases.Count);
        Assert.True(failures.Count == 0, Summarize(failures, MistralTokenizers.Cases.Count * 2));
    }

    private static string Summarize(List<string> failures, int checks) =>
        $"{failures.Count} of {checks} checks failed; first 5:\n" + string.Join("\n", failures.Take(5));

    private static string Show(string text) =>
        System.Text.Json.JsonSerializer.Serialize(text.Length > 120 ? text[..120] + "…" : text);
}
