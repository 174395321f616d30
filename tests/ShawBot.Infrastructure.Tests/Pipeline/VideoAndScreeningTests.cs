using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ShawBot.Core.Domain;
using ShawBot.Core.Options;
using ShawBot.Core.Pipeline;
using ShawBot.Core.Ports;
using ShawBot.Core.Screening;
using ShawBot.Infrastructure.Store;
using ShawBot.Infrastructure.Tests.Support;
using ShawBot.Infrastructure.Tests.YouTube;
using ShawBot.Sandbox.YouTube;

namespace ShawBot.Infrastructure.Tests.Pipeline;

/// <summary>Video titles from videos.list, screening flags stored with drafts, and the quota pause across restarts.</summary>
public sealed class VideoAndScreeningTests : IAsyncLifetime
{
    private const string Crypto = "🚀 Turn $100 into $10,000 with my AI trading signals, link in bio 🚀";
    private readonly YouTubeSandbox _sandbox = new();
    private readonly TempFolder _folder = new();

    public Task InitializeAsync() => _sandbox.StartAsync();

    public async Task DisposeAsync()
    {
        await _sandbox.StopAsync();
        _folder.Dispose();
    }

    private IReadOnlyList<SandboxComment> SeedDemoLike() => _sandbox.Seed(
    [
        new SeedComment("vidQLoRA001", "Fine-tuning LLMs with QLoRA", "@a", "can i run this on a 3060 with 12gb vram?") { VideoDescription = "How to fine-tune a 7B model.\n\nCode below.\nMore\nand more" },
        new SeedComment("vidQLoRA001", "Fine-tuning LLMs with QLoRA", "@cryptoKing_777", Crypto),
        new SeedComment("vidTokens01", "Tokenization explained", "@b", "so tokens are not words?"),
        new SeedComment("vidTokens01", "Tokenization explained", "@c", "nice video") { ModerationStatus = "likelySpam" },
        new SeedComment("vidRag00001", "RAG from scratch", "@d", "Top erklärt, vielen Dank!"),
    ]);

    [Fact]
    public async Task Titles_come_from_one_videos_list_call_and_flags_are_stored_with_each_draft()
    {
        var seeded = SeedDemoLike();
        var db = _folder.File("shawbot.db");
        await using var harness = await PipelineHarness.StartAsync(_sandbox, db, s => s["ShawBot:Screening:RulesPath"] = Path.Combine(RepoPaths.Root, "prompts", "screening.txt"));
        await harness.WaitAsync(async h => await h.CountAsync(CommentState.Posted) == 5, TimeSpan.FromSeconds(30), "5 posted");

        var store = harness.Store;
        var screening = harness.Services.GetRequiredService<IScreeningStore>();
        var flags = new Dictionary<string, IReadOnlyList<string>?>();
        foreach (var c in seeded)
        {
            var tracked = (await store.GetCommentAsync(c.Id, CancellationToken.None))!;
            Assert.Equal(_sandbox.VideoTitle(c.VideoId), tracked.Comment.VideoTitle);
            flags[c.Text] = await screening.GetDraftFlagsAsync(tracked.CurrentDraftId!.Value, CancellationToken.None);
        }

        Assert.Equal(["spam: link (“link in bio”)", "spam: money (“Turn $100”)", "spam: crypto (“trading signals”)"], flags[Crypto]!.Where(f => f.StartsWith("spam", StringComparison.Ordinal)));
        Assert.Contains(DraftScreening.YouTubeLikelySpam, flags["nice video"]!);
        Assert.Equal("likelySpam", await screening.GetYouTubeStatusAsync(seeded[3].Id, CancellationToken.None));
        Assert.Null(await screening.GetYouTubeStatusAsync(seeded[0].Id, CancellationToken.None));
        Assert.DoesNotContain(flags["so tokens are not words?"]!, f => f.StartsWith("spam", StringComparison.Ordinal) || f == DraftScreening.YouTubeLikelySpam);

        var videos = await harness.Services.GetRequiredService<IVideoCatalog>().GetVideosAsync(["vidQLoRA001", "vidTokens01", "vidRag00001", "unknown"], CancellationToken.None);
        Assert.Equal(
            [("vidQLoRA001", "Fine-tuning LLMs with QLoRA", "How to fine-tune a 7B model.\nCode below.\nMore"), ("vidRag00001", "RAG from scratch", null), ("vidTokens01", "Tokenization explained", null)],
            videos.Values.OrderBy(v => v.VideoId).Select(v => (v.VideoId, v.Title, v.Description)));

        // Three videos, one videos.list call of one unit, charged in the quota ledger like every call.
        await using var connection = new SqliteConnection($"Data Source={db}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*), SUM(units) FROM quota_ledger WHERE operation = 'videos.list';";
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal((1L, 1L), (reader.GetInt64(0), reader.GetInt64(1)));
    }

    [Fact]
    public async Task A_reason_set_to_skip_records_the_comment_as_skipped_with_the_reason()
    {
        var seeded = SeedDemoLike();
        await using var harness = await PipelineHarness.StartAsync(_sandbox, _folder.File("shawbot.db"), s =>
        {
            s["ShawBot:Screening:RulesPath"] = Path.Combine(RepoPaths.Root, "prompts", "screening.txt");
            s["ShawBot:Screening:Spam"] = "Skip";
            s["ShawBot:Screening:YouTubeHeld"] = "Skip";
        });
        await harness.WaitAsync(async h => await h.CountAsync(CommentState.Posted) == 3 && await h.CountAsync(CommentState.Skipped) == 2, TimeSpan.FromSeconds(30), "3 posted, 2 skipped");

        var crypto = (await harness.Store.GetCommentAsync(seeded[1].Id, CancellationToken.None))!;
        Assert.Equal((CommentState.Skipped, "screening: spam: link (“link in bio”)"), (crypto.State, crypto.Reason));
        var held = (await harness.Store.GetCommentAsync(seeded[3].Id, CancellationToken.None))!;
        Assert.Equal((CommentState.Skipped, "screening: " + DraftScreening.YouTubeLikelySpam), (held.State, held.Reason));
    }

    [Fact]
    public async Task The_quota_pause_survives_a_restart_and_is_logged_once_an_hour()
    {
        var options = Options.Create(new StoreOptions { DatabasePath = _folder.File("q.db") });
        var clock = new ShiftedClock();
        // Start just after a reset (Pacific midnight), so the pause lasts ~24 h whatever the time of day the test runs:
        // run within an hour of midnight Pacific, the 61 minutes below would otherwise outlast it.
        clock.Advance(QuotaGate.NextReset(clock.GetUtcNow()) - clock.GetUtcNow() + TimeSpan.FromMinutes(1));
        var poller = new StaticOptions<PollerOptions>(new PollerOptions());
        var logs = new ListLogger<QuotaGate>();
        var gate = new QuotaGate(new SqliteCommentStore(options, clock), clock, poller, logs);
        await gate.PauseUntilResetAsync(CancellationToken.None);
        var until = QuotaGate.NextReset(clock.GetUtcNow());
        Assert.Equal(until, gate.PausedUntil);

        // A new process: the pause is read back from the store before the first call.
        var restarted = new QuotaGate(new SqliteCommentStore(options, clock), clock, poller, logs);
        Assert.False(restarted.IsPaused);
        Assert.False(await restarted.TryChargeAsync("commentThreads.list", 1, CancellationToken.None));
        Assert.Equal(until, restarted.PausedUntil);
        Assert.True(restarted.IsPaused);

        // While paused, "still paused" at most once per hour, however often the loops look.
        logs.Lines.Clear();
        for (var i = 0; i < 5; i++)
        {
            Assert.True(restarted.CheckPaused());
        }

        Assert.Empty(logs.Lines);
        clock.Advance(TimeSpan.FromMinutes(61));
        Assert.True(restarted.CheckPaused() && restarted.CheckPaused());
        Assert.StartsWith("YouTube calls still paused after quotaExceeded, until ", Assert.Single(logs.Lines));

        clock.Advance(until - clock.GetUtcNow() + TimeSpan.FromSeconds(1));
        Assert.False(restarted.CheckPaused());
        Assert.True(await restarted.TryChargeAsync("commentThreads.list", 1, CancellationToken.None));
    }

    private sealed class ListLogger<T> : Microsoft.Extensions.Logging.ILogger<T>
    {
        public List<string> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Lines)
            {
                Lines.Add(formatter(state, exception));
            }
        }
    }
}
