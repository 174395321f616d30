using ShawBot.Engine.Tokenization;

namespace ShawBot.Engine.Tests.Tokenization;

public sealed class IncrementalDecoderTests
{
    // "🦙" is U+1F999, UTF-8 F0 9F A6 99; the vocabulary has no piece for it, so it is four byte
    // pieces <0xF0> <0x9F> <0xA6> <0x99>, ids 3 + byte.
    private static readonly int[] LlamaBytes = [3 + 0xF0, 3 + 0x9F, 3 + 0xA6, 3 + 0x99];

    [Theory]
    [InlineData("json")]
    [InlineData("model")]
    public void FourByteEmoji_EmitsNothingUntilLastByte(string loader)
    {
        var tokenizer = MistralTokenizers.ByName(loader);
        Assert.Equal("<0xF0>", tokenizer.IdToToken(LlamaBytes[0]));
        var decoder = tokenizer.CreateIncrementalDecoder();

        Assert.Equal(string.Empty, decoder.Push(tokenizer.BosId));
        Assert.Equal(string.Empty, decoder.Push(LlamaBytes[0]));
        Assert.Equal(string.Empty, decoder.Push(LlamaBytes[1]));
        Assert.Equal(string.Empty, decoder.Push(LlamaBytes[2]));
        Assert.Equal("🦙", decoder.Push(LlamaBytes[3]));
        Assert.Equal(string.Empty, decoder.Flush());
    }

    [Theory]
    [InlineData("json")]
    [InlineData("model")]
    public void LeadingSpaceOfFirstPiece_IsStrippedOnce_LikeDecode(string loader)
    {
        var tokenizer = MistralTokenizers.ByName(loader);
        int space = tokenizer.TokenToId("▁")!.Value;
        int hello = tokenizer.TokenToId("▁Hello")!.Value;
        var decoder = tokenizer.CreateIncrementalDecoder();

        Assert.Equal(string.Empty, decoder.Push(space)); // the dummy-prefix space is dropped
        Assert.Equal(" Hello", decoder.Push(hello));
        Assert.Equal(" Hello", tokenizer.Decode([space, hello]));
        Assert.Equal("Hello Hello", tokenizer.Decode([hello, hello]));
    }

    [Theory]
    [InlineData("json")]
    [InlineData("model")]
    public void TruncatedCharacter_BecomesReplacementCharPerByte_OnFlushAndOnNextPiece(string loader)
    {
        var tokenizer = MistralTokenizers.ByName(loader);
        int a = tokenizer.TokenToId("▁a")!.Value;

        var decoder = tokenizer.CreateIncrementalDecoder();
        Assert.Equal(string.Empty, decoder.Push(LlamaBytes[0]));
        Assert.Equal(string.Empty, decoder.Push(LlamaBytes[1]));
        Assert.Equal("\uFFFD\uFFFD", decoder.Flush());

        // A piece that interrupts the byte run ends it; a stray continuation byte is one U+FFFD.
        int[] ids = [LlamaBytes[0], LlamaBytes[1], a, LlamaBytes[3], a];
        Assert.Equal("\uFFFD\uFFFD a\uFFFD a", tokenizer.Decode(ids));
        Assert.Equal(tokenizer.Decode(ids), Stream(tokenizer, ids));
    }

    [Theory]
    [InlineData("json")]
    [InlineData("model")]
    public void SpecialTokens_AreSkippedOrShown(string loader)
    {
        var tokenizer = MistralTokenizers.ByName(loader);
        int[] ids = tokenizer.Encode("Hi").Append(tokenizer.EosId).ToArray();
        Assert.Equal("Hi", tokenizer.Decode(ids));
        Assert.Equal("<s> Hi</s>", tokenizer.Decode(ids, skipSpecial: false));
        Assert.Equal("<s> Hi</s>", Stream(tokenizer, ids, skipSpecial: false));
    }

    [Fact]
    public void Decode_RejectsIdOutsideVocabulary()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => MistralTokenizers.Json.Decode([1, 32000]));
        Assert.Throws<ArgumentOutOfRangeException>(() => MistralTokenizers.Model.CreateIncrementalDecoder().Push(-1));
    }

    private static string Stream(ITokenizer tokenizer, int[] ids, bool skipSpecial = true)
    {
        var decoder = tokenizer.CreateIncrementalDecoder(skipSpecial);
        return string.Concat(ids.Select(decoder.Push)) + decoder.Flush();
    }
}
