namespace ShawBot.Engine.Tests.Tokenization;

/// <summary>
/// Locates the shared fixtures: walks up from the test binary folder to the repository root R
/// for which R/../shared/fixtures exists.
/// </summary>
internal static class FixturePaths
{
    private static readonly Lazy<string> LazyRepoRoot = new(FindRepoRoot);

    /// <summary>The repository root R (R/../shared/fixtures exists).</summary>
    public static string RepoRoot => LazyRepoRoot.Value;

    public static string Fixtures => Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "fixtures"));

    /// <summary>Test data committed with the tests (tests/ShawBot.Engine.Tests/Tokenization/Data).</summary>
    public static string TokenizationData => Path.Combine(RepoRoot, "tests", "ShawBot.Engine.Tests", "Tokenization", "Data");

    public static string MistralTokenizerFolder => Path.Combine(Fixtures, "mistral-7b-v0.1-tokenizer");

    public static string MistralTokenizerJson => Path.Combine(MistralTokenizerFolder, "tokenizer.json");

    public static string MistralTokenizerModel => Path.Combine(MistralTokenizerFolder, "tokenizer.model");

    public static string MistralCases => Path.Combine(MistralTokenizerFolder, "cases.jsonl");

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir?.Parent is not null; dir = dir.Parent)
        {
            if (Directory.Exists(Path.Combine(dir.Parent.FullName, "shared", "fixtures")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException($"No ../shared/fixtures above {AppContext.BaseDirectory}");
    }
}
