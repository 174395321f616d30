namespace ShawBot.Cli.Demo;

/// <summary>What `shawbot demo` runs with.</summary>
public sealed record DemoOptions
{
    /// <summary>SQLite database, demo progress and the adapter registry live here; a second run resumes from it.</summary>
    public required string StateDirectory { get; init; }

    /// <summary>Model folder; when it does not exist the demo drafts with the deterministic stub writer.</summary>
    public string? ModelDirectory { get; init; }

    /// <summary>JSONL seed comments ({"videoId","videoTitle","author","text"}).</summary>
    public required string SeedFile { get; init; }

    /// <summary>Folder with instructions.txt and template.txt.</summary>
    public string? PromptsDirectory { get; init; }

    /// <summary>Port of the page on 127.0.0.1; 0 picks a free one.</summary>
    public int Port { get; init; } = 5080;

    /// <summary>Delete the state folder first.</summary>
    public bool Reset { get; init; }

    /// <summary>Comments that are there at once, before the trickle starts.</summary>
    public int InitialComments { get; init; } = 6;

    /// <summary>Time between trickled comments.</summary>
    public TimeSpan TrickleInterval { get; init; } = TimeSpan.FromSeconds(4);

    /// <summary>Questions asked in the sandboxed Discord server's #ask-shawbot (at most <see cref="DemoCommunity.Questions"/>' count).</summary>
    public int DiscordQuestions { get; init; } = DemoCommunity.Questions.Count;

    /// <summary>Tokens per draft (the demo model is small; short drafts keep the page lively).</summary>
    public int MaxNewTokens { get; init; } = 60;

    /// <summary>Extra settings on top of the demo's (tests shorten intervals).</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>();
}
