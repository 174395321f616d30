namespace ShawBot.Engine.Tests;

/// <summary>Locates the shared golden files relative to the test assembly, never by absolute path.</summary>
internal static class TestPaths
{
    private static readonly Lazy<string> Root = new(FindRepoRoot);

    /// <summary>The repository root: the first ancestor D of the test assembly folder with D/../shared/golden.</summary>
    public static string RepoRoot => Root.Value;

    /// <summary>../shared/golden next to the repository root.</summary>
    public static string Golden => Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "golden"));

    public static string GoldenModel(string name) => Path.Combine(Golden, name);

    private static string FindRepoRoot()
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (Directory.Exists(Path.Combine(d.FullName, "..", "shared", "golden")))
                return d.FullName;
        }
        throw new DirectoryNotFoundException($"no ancestor of '{AppContext.BaseDirectory}' has a sibling shared/golden folder");
    }
}

/// <summary>A fresh temporary folder, deleted on Dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "shawbot-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}
