using System.Text.Json;

namespace ShawBot.Tests.Support;

internal static class RepoPaths
{
    /// <summary>The folder holding ShawBot.sln (../shared sits beside it).</summary>
    public static string Root { get; } = FindRoot();

    public static string DemoComments => Path.Combine(Root, "data", "demo-comments.jsonl");

    public static string Prompts => Path.Combine(Root, "prompts");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ShawBot.sln"))) return dir.FullName;
        }

        throw new DirectoryNotFoundException("ShawBot.sln not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>A temp folder removed on dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("shawbot-tests-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

internal static class Wait
{
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"timed out after {timeout.TotalSeconds:0} s waiting for {what}");
            await Task.Delay(50);
        }
    }
}
