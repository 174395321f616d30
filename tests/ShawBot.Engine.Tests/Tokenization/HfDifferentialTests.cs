using System.Text.Json;
using System.Text.Json.Nodes;
using ShawBot.Engine.Tokenization;

namespace ShawBot.Engine.Tests.Tokenization;

/// <summary>
/// Differential test against Hugging Face tokenizers itself: Data/hf-tokenizers-differential.jsonl
/// holds the ids, Decode(skip special) and Decode(keep special) that tokenizers 0.23.2 gave for 271
/// strings (special tokens in the text, whitespace runs, random scripts and emoji) on the Mistral
/// tokenizer.json and three Metaspace variants (Data/make-hf-differential.js made it).
/// </summary>
public sealed class HfDifferentialTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("shawbot-tokdiff-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData("orig")]
    [InlineData("msfirst")]
    [InlineData("mslegacy")]
    [InlineData("msalways")]
    public void TokenizerJsonVariant_MatchesHuggingFaceTokenizers(string variant) =>
        AssertMatches(LoadVariant(variant), variant);

    [Fact]
    public void TokenizerModel_MatchesHuggingFaceTokenizersOnTheOriginalJson() =>
        AssertMatches(MistralTokenizers.Model, "orig");

    private static void AssertMatches(ITokenizer tokenizer, string variant)
    {
        var failures = new List<string>();
        int count = 0;
        foreach (string line in File.ReadLines(Path.Combine(FixturePaths.TokenizationData, "hf-tokenizers-differential.jsonl")))
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            if (root.GetProperty("variant").GetString() != variant)
            {
                continue;
            }

            count++;
            string text = root.GetProperty("text").GetString()!;
            int[] ids = root.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            int[] encoded = tokenizer.Encode(text);
            string decoded = tokenizer.Decode(ids), decodedRaw = tokenizer.Decode(ids, skipSpecial: false);
            if (!encoded.SequenceEqual(ids)
                || decoded != root.GetProperty("decoded").GetString()
                || decodedRaw != root.GetProperty("decodedRaw").GetString())
            {
                failures.Add($"{JsonSerializer.Serialize(text)}: got [{string.Join(",", encoded)}] {JsonSerializer.Serialize(decoded)} {JsonSerializer.Serialize(decodedRaw)}; expected {line}");
            }
        }

        Assert.Equal(271, count);
        Assert.True(failures.Count == 0, $"{failures.Count} of {count} differ; first 5:\n" + string.Join("\n", failures.Take(5)));
    }

    /// <summary>The variants of make-hf-differential.js, built from the fixture tokenizer.json.</summary>
    private ITokenizer LoadVariant(string variant)
    {
        if (variant == "orig")
        {
            return MistralTokenizers.Json;
        }

        var root = JsonNode.Parse(File.ReadAllText(FixturePaths.MistralTokenizerJson))!.AsObject();
        root["normalizer"] = null;
        switch (variant)
        {
            case "msfirst":
                root["pre_tokenizer"] = Metaspace("first");
                root["decoder"] = new JsonObject
                {
                    ["type"] = "Sequence",
                    ["decoders"] = new JsonArray(Metaspace("first"), new JsonObject { ["type"] = "ByteFallback" }, new JsonObject { ["type"] = "Fuse" }),
                };
                break;
            case "mslegacy":
                root["pre_tokenizer"] = new JsonObject { ["type"] = "Metaspace", ["replacement"] = "▁", ["add_prefix_space"] = true };
                break;
            case "msalways":
                root["pre_tokenizer"] = Metaspace("always");
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(variant), variant, null);
        }

        string path = Path.Combine(_folder, "tokenizer.json");
        File.WriteAllText(path, root.ToJsonString());
        return TokenizerLoader.LoadTokenizerJson(path);
    }

    private static JsonObject Metaspace(string scheme) =>
        new() { ["type"] = "Metaspace", ["replacement"] = "▁", ["prepend_scheme"] = scheme, ["split"] = false };
}
