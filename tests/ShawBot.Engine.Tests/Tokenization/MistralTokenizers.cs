using System.Text.Json;
using ShawBot.Engine.Tokenization;

namespace ShawBot.Engine.Tests.Tokenization;

/// <summary>One line of cases.jsonl: ids include BOS; decoded is Decode(ids) with BOS skipped.</summary>
internal sealed record TokenizerCase(int Line, string Text, int[] Ids, string Decoded);

/// <summary>The fixture tokenizers and cases, loaded once for all tests.</summary>
internal static class MistralTokenizers
{
    private static readonly Lazy<ITokenizer> LazyJson = new(() => TokenizerLoader.LoadTokenizerJson(FixturePaths.MistralTokenizerJson));
    private static readonly Lazy<ITokenizer> LazyModel = new(() => TokenizerLoader.LoadSentencePiece(FixturePaths.MistralTokenizerModel));
    private static readonly Lazy<IReadOnlyList<TokenizerCase>> LazyCases = new(ReadCases);

    public static ITokenizer Json => LazyJson.Value;

    public static ITokenizer Model => LazyModel.Value;

    public static IReadOnlyList<TokenizerCase> Cases => LazyCases.Value;

    public static ITokenizer ByName(string name) => name switch
    {
        "json" => Json,
        "model" => Model,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "json or model"),
    };

    private static List<TokenizerCase> ReadCases()
    {
        var cases = new List<TokenizerCase>();
        int line = 0;
        foreach (string json in File.ReadLines(FixturePaths.MistralCases))
        {
            line++;
            if (string.IsNullOrWhiteSpace(json))
            {
                continue;
            }

            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            cases.Add(new TokenizerCase(
                line,
                root.GetProperty("text").GetString()!,
                root.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
                root.GetProperty("decoded").GetString()!));
        }

        return cases;
    }
}
