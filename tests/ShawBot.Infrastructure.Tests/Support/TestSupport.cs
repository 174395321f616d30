using System.Diagnostics;
using ShawBot.Sandbox.YouTube;

namespace ShawBot.Infrastructure.Tests.Support;

/// <summary>A temporary folder deleted on dispose.</summary>
public sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "shawbot-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A killed child may still hold the database for a moment; the OS temp cleaner gets it.
        }
    }
}

/// <summary>Real time shifted by an adjustable offset: timers stay real, "now" can jump past midnight.</summary>
public sealed class ShiftedClock : TimeProvider
{
    private long _offsetTicks;

    public TimeSpan Offset => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Offset;
}

public static class Wait
{
    /// <summary>Polls <paramref name="condition"/> every 50 ms; fails the test with <paramref name="what"/> on timeout.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            if (watch.Elapsed > timeout)
            {
                Assert.Fail($"Timed out after {timeout.TotalSeconds:F0}s waiting for {what}");
            }

            await Task.Delay(50);
        }
    }

    public static Task UntilAsync(Func<bool> condition, TimeSpan timeout, string what) =>
        UntilAsync(() => Task.FromResult(condition()), timeout, what);
}

public static class Seeds
{
    /// <summary><paramref name="count"/> seed comments without a videoId (the sandbox spreads them over its videos).</summary>
    public static IReadOnlyList<SeedComment> Make(int count, string prefix = "c") =>
        [.. Enumerable.Range(0, count).Select(i => new SeedComment(null, null, $"viewer{i % 37}", $"{prefix}{i}: what does the {i % 7}th layer learn?"))];
}

/// <summary>The repository root: the first ancestor of the test folder with a sibling shared/golden.</summary>
public static class RepoPaths
{
    private static readonly Lazy<string> RootPath = new(() =>
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (Directory.Exists(Path.Combine(d.FullName, "..", "shared", "golden"))) return d.FullName;
        throw new DirectoryNotFoundException($"no ancestor of {AppContext.BaseDirectory} has a sibling shared/golden");
    });

    public static string Root => RootPath.Value;
}
