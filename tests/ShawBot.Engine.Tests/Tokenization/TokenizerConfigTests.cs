using System.Text.Json.Nodes;
using ShawBot.Engine.Tokenization;

namespace ShawBot.Engine.Tests.Tokenization;

/// <summary>tokenizer_config.json flags and the Metaspace pre-tokenizer style of newer tokenizer.json files.</summary>
public sealed class TokenizerConfigTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("shawbot-tokcfg-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Load_PrefersTokenizerJson_AndReadsConfig()
    {
        var tokenizer = TokenizerLoader.Load(FixturePaths.MistralTokenizerFolder);
        Assert.Equal(new[] { 1, 22557, 1526, 28808 }, tokenizer.Encode("Hello world!"));
    }

    [Theory]
    [InlineData("tokenizer.json")]
    [InlineData("tokenizer.model")]
    public void ConfigFlags_ControlBosAndEos(string file)
    {
        File.Copy(Path.Combine(FixturePaths.MistralTokenizerFolder, file), Path.Combine(_folder, file));
        File.WriteAllText(Path.Combine(_folder, "tokenizer_config.json"), """
            {"add_bos_token": false, "add_eos_token": true,
             "bos_token": {"content": "<s>", "special": true}, "eos_token": "</s>", "pad_token": "<unk>"}
            """);
        var tokenizer = TokenizerLoader.Load(_folder);
        Assert.False(tokenizer.AddBos);
        Assert.True(tokenizer.AddEos);
        Assert.Equal(0, tokenizer.PadId);
        Assert.Equal(new[] { 22557, 2 }, tokenizer.Encode("Hello"));
        Assert.Equal(new[] { 22557 }, tokenizer.Encode("Hello", addSpecial: false));
    }

    [Fact]
    public void SpecialTokensMap_IsUsedWhenConfigIsSilent()
    {
        File.Copy(FixturePaths.MistralTokenizerModel, Path.Combine(_folder, "tokenizer.model"));
        File.WriteAllText(Path.Combine(_folder, "special_tokens_map.json"), """{"eos_token": {"content": "<unk>"}}""");
        Assert.Equal(0, TokenizerLoader.Load(_folder).EosId);

        File.WriteAllText(Path.Combine(_folder, "special_tokens_map.json"), """{"eos_token": "<nope>"}""");
        var e = Assert.Throws<TokenizerFormatException>(() => TokenizerLoader.Load(_folder));
        Assert.Equal("eos_token", e.Field);
    }

    [Fact]
    public void MetaspacePrependFirst_DoesNotDoubleLeadingSpace_NorPrefixTextAfterSpecialTokens()
    {
        var tokenizer = LoadVariant(
            new JsonObject { ["type"] = "Metaspace", ["replacement"] = "▁", ["prepend_scheme"] = "first", ["split"] = false },
            new JsonObject
            {
                ["type"] = "Sequence",
                ["decoders"] = new JsonArray(
                    new JsonObject { ["type"] = "Metaspace", ["replacement"] = "▁", ["prepend_scheme"] = "first", ["split"] = false },
                    new JsonObject { ["type"] = "ByteFallback" },
                    new JsonObject { ["type"] = "Fuse" }),
            });
        int hello = tokenizer.TokenToId("Hello")!.Value;

        Assert.Equal(new[] { 1, 22557, 1526, 28808 }, tokenizer.Encode("Hello world!"));
        Assert.Equal(new[] { 1, 22557, 1526, 28808 }, tokenizer.Encode(" Hello world!"));
        Assert.Equal(new[] { 1, 1, hello }, tokenizer.Encode("<s>Hello"));
        Assert.Equal("Hello world", tokenizer.Decode([22557, 1526]));
    }

    [Fact]
    public void MetaspaceLegacyAddPrefixSpace_SplitsWordsAndAlwaysPrepends()
    {
        var tokenizer = LoadVariant(
            new JsonObject { ["type"] = "Metaspace", ["replacement"] = "▁", ["add_prefix_space"] = true },
            null);
        var reference = MistralTokenizers.Json;
        foreach (string text in new[] { "Hello world!", "Hello  world!", "What is fat-tailedness?" })
        {
            Assert.Equal(reference.Encode(text), tokenizer.Encode(text));
        }

        Assert.Equal(new[] { 1, 1, 22557 }, tokenizer.Encode("<s>Hello"));
    }

    /// <summary>The fixture tokenizer.json with the normalizer removed and the given pre-tokenizer/decoder.</summary>
    private ITokenizer LoadVariant(JsonObject preTokenizer, JsonObject? decoder)
    {
        var root = JsonNode.Parse(File.ReadAllText(FixturePaths.MistralTokenizerJson))!.AsObject();
        root["normalizer"] = null;
        root["pre_tokenizer"] = preTokenizer;
        if (decoder is not null)
        {
            root["decoder"] = decoder;
        }

        string path = Path.Combine(_folder, "tokenizer.json");
        File.WriteAllText(path, root.ToJsonString());
        return TokenizerLoader.LoadTokenizerJson(path);
    }
}
