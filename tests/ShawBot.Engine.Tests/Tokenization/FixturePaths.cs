namespace ShawBot.Engine.Tests.Tokenization;

/// <summary>
/// Locates the shared fixtures: walks up from the test binary folder to the repository root R
/// for which R/../shared/fixtures exists.
/// </summary>
internal static class FixturePaths
{
    private static readonly Lazy<string> SharedFixtures = new(Find);

    public static string Fixtures => SharedFixtures.Value;

    public static string MistralTokenizerFolder => Path.Combine(Fixtures, "mistral-7b-v0.1-tokenizer");

    public static string MistralTokenizerJson => Path.Combine(MistralTokenizerFolder, "tokenizer.json");

    public static string MistralTokenizerModel => Path.Combine(MistralTokenizerFolder, "tokenizer.model");

    public static string MistralCases => Path.Combine(MistralTokenizerFolder, "cases.jsonl");

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (dir.Parent is null)
            {
                break;
            }

            string candidate = Path.Combine(dir.Parent.FullName, "shared", "fixtures");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException($"No ../shared/fixtures above {AppContext.BaseDirectory}");
    }
}
