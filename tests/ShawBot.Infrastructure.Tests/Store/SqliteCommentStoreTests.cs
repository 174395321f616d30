using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using ShawBot.Core.Domain;
using ShawBot.Infrastructure.Store;
using ShawBot.Infrastructure.Tests.Support;

namespace ShawBot.Infrastructure.Tests.Store;

public sealed class SqliteCommentStoreTests : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly TempFolder _folder = new();
    private readonly SqliteCommentStore _store;

    public SqliteCommentStoreTests() => _store = NewStore();

    public void Dispose() => _folder.Dispose();

    private SqliteCommentStore NewStore() =>
        new(Options.Create(new StoreOptions { DatabasePath = _folder.File("db/shawbot.db") }), TimeProvider.System);

    private static Comment MakeComment(int i) =>
        new($"c{i}", $"c{i}", "vid1", "Video", $"UCauthor{i}", $"author {i}", $"text {i}", T0.AddMinutes(i), T0.AddMinutes(i));

    private static ReplyDraft Reply(string text) => new(text, "stub", "adapter-7", new SamplingSettings(0.7, 0.9, 256, 42));

    private async Task<Draft> Drafted(int i)
    {
        Assert.True(await _store.AddCommentAsync(MakeComment(i), CommentState.New, null, None));
        Assert.True(await _store.TryBeginDraftingAsync($"c{i}", None));
        return (await _store.SaveDraftAsync($"c{i}", Reply($"reply {i}"), T0, None))!;
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection($"Data Source={_folder.File("db/shawbot.db")}");
        connection.Open();
        return connection;
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    [Fact]
    public async Task Migrations_run_once_and_the_database_is_in_WAL_mode()
    {
        const int latest = 3; // 1 initial schema, 2 reply_parts, 3 video catalog and screening
        Assert.Equal(latest, await _store.MigrateAsync());
        Assert.Equal(latest, await NewStore().MigrateAsync()); // a second start applies nothing new
        using var connection = Open();
        Assert.Equal("wal", Scalar(connection, "PRAGMA journal_mode;"));
        Assert.Equal((long)latest, Scalar(connection, "SELECT COUNT(*) FROM schema_migrations;"));
        Assert.Equal(1L, Scalar(connection, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'reply_parts';"));
        Assert.Equal(1L, Scalar(connection, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'draft_flags';"));
        Assert.Equal(1L, Scalar(connection, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'view' AND name = 'curated_examples';"));
    }

    [Fact]
    public async Task Adding_a_known_comment_changes_nothing()
    {
        Assert.True(await _store.AddCommentAsync(MakeComment(1), CommentState.New, null, None));
        Assert.False(await _store.AddCommentAsync(MakeComment(1) with { Text = "edited" }, CommentState.Skipped, "x", None));
        var stored = await _store.GetCommentAsync("c1", None);
        Assert.Equal((CommentState.New, "text 1", T0.AddMinutes(1)), (stored!.State, stored.Comment.Text, stored.Comment.PublishedAt));
    }

    [Fact]
    public async Task Transitions_are_compare_and_set()
    {
        await _store.AddCommentAsync(MakeComment(1), CommentState.New, null, None);
        Assert.True(await _store.TryBeginDraftingAsync("c1", None));
        Assert.False(await _store.TryBeginDraftingAsync("c1", None));
        Assert.False(await _store.TryTransitionAsync("c1", CommentState.New, CommentState.Skipped, "no", None));
        Assert.Equal(1, await _store.TransitionAllAsync(CommentState.Drafting, CommentState.New, None));
        Assert.True(await _store.TryBeginDraftingAsync("c1", None));
        var tracked = await _store.GetCommentAsync("c1", None);
        Assert.Equal((CommentState.Drafting, 2), (tracked!.State, tracked.DraftAttempts));
    }

    [Fact]
    public async Task A_draft_keeps_model_adapter_and_sampling()
    {
        var draft = await Drafted(1);
        var read = await _store.GetDraftAsync(draft.DraftId, None);
        Assert.Equal(draft, read);
        Assert.Equal(("reply 1", "stub", "adapter-7", "temperature=0.7;top_p=0.9;max_new_tokens=256;seed=42"), (read!.Text, read.ModelName, read.AdapterVersion, read.Sampling));
        Assert.Equal((CommentState.AwaitingReview, draft.DraftId), ((await _store.GetCommentAsync("c1", None))!.State, (await _store.GetCommentAsync("c1", None))!.CurrentDraftId));
    }

    [Fact]
    public async Task A_draft_is_decided_once()
    {
        var draft = await Drafted(1);
        var moderator = new Moderator("42", "mod");
        var first = await _store.RecordDecisionAsync(draft.DraftId, DecisionKind.Edit, moderator, "edited", T0, None);
        var second = await _store.RecordDecisionAsync(draft.DraftId, DecisionKind.Reject, moderator, null, T0, None);
        var missing = await _store.RecordDecisionAsync(999, DecisionKind.Approve, moderator, null, T0, None);

        Assert.Equal(new DecisionResult(DecisionStatus.Accepted, CommentState.Edited), first);
        Assert.Equal((DecisionStatus.AlreadyHandled, CommentState.Edited), (second.Status, second.State));
        Assert.Equal(DecisionStatus.NotFound, missing.Status);
        var decision = await _store.GetDecisionForDraftAsync(draft.DraftId, None);
        Assert.Equal((DecisionKind.Edit, "edited", "42", "mod"), (decision!.Kind, decision.FinalText, decision.Moderator.Id, decision.Moderator.Name));
    }

    [Fact]
    public async Task Regenerate_sends_the_comment_back_and_supersedes_the_old_draft()
    {
        var old = await Drafted(1);
        Assert.True((await _store.RecordDecisionAsync(old.DraftId, DecisionKind.Regenerate, Moderator.Auto, null, T0, None)).IsAccepted);
        Assert.Equal(CommentState.New, (await _store.GetCommentAsync("c1", None))!.State);
        Assert.True(await _store.TryBeginDraftingAsync("c1", None));
        var fresh = await _store.SaveDraftAsync("c1", Reply("second try"), T0, None);

        Assert.Equal(DecisionStatus.AlreadyHandled, (await _store.RecordDecisionAsync(old.DraftId, DecisionKind.Approve, Moderator.Auto, "x", T0, None)).Status);
        Assert.True((await _store.RecordDecisionAsync(fresh!.DraftId, DecisionKind.Approve, Moderator.Auto, fresh.Text, T0, None)).IsAccepted);
        Assert.Equal("second try", await _store.TryBeginPostingAsync("c1", None));
    }

    [Fact]
    public async Task A_comment_is_posted_at_most_once()
    {
        var draft = await Drafted(1);
        await _store.RecordDecisionAsync(draft.DraftId, DecisionKind.Approve, Moderator.Auto, draft.Text, T0, None);
        Assert.Equal("reply 1", await _store.TryBeginPostingAsync("c1", None));
        Assert.Null(await _store.TryBeginPostingAsync("c1", None));
        Assert.True(await _store.MarkPostedAsync("c1", new PublishedReply("r1", "reply 1", T0), None));
        Assert.False(await _store.MarkPostedAsync("c1", new PublishedReply("r2", "reply 1", T0), None));

        using var connection = Open();
        // The schema itself refuses a second reply row and a way back to Posting.
        Assert.Throws<SqliteException>(() => Scalar(connection, "INSERT INTO posted_replies VALUES ('c1', 'r3', 'again', '2026');"));
        Assert.Throws<SqliteException>(() => Scalar(connection, "UPDATE comments SET state = 'Posting' WHERE comment_id = 'c1';"));
        Assert.Equal([new PostedReply("c1", "r1", "reply 1", T0)], await _store.ListPostedRepliesAsync(None));
        var example = Assert.Single(await _store.ListCuratedExamplesAsync(None));
        Assert.Equal(("c1", "text 1", "reply 1", false, "auto"), (example.CommentId, example.CommentText, example.Reply, example.Edited, example.Moderator.Id));
    }

    [Fact]
    public async Task Reviews_not_yet_shown_on_a_channel_are_listed_until_recorded()
    {
        var draft = await Drafted(1);
        Assert.Equal([draft.DraftId], (await _store.ListUnpublishedReviewsAsync("discord", 10, None)).Select(r => r.Draft.DraftId));
        await _store.SetReviewReferenceAsync("c1", "discord", "msg-1", draft.DraftId, None);
        Assert.Empty(await _store.ListUnpublishedReviewsAsync("discord", 10, None));
        Assert.Single(await _store.ListUnpublishedReviewsAsync("web", 10, None));
        Assert.Equal("msg-1", await _store.GetReviewReferenceAsync("c1", "discord", None));
    }

    [Fact]
    public async Task Quota_charges_never_exceed_the_daily_budget()
    {
        var day = new DateOnly(2026, 3, 1);
        Assert.True(await _store.TryChargeQuotaAsync(day, "comments.insert", 50, 100, T0, None));
        Assert.True(await _store.TryChargeQuotaAsync(day, "commentThreads.list", 1, 100, T0, None));
        Assert.False(await _store.TryChargeQuotaAsync(day, "comments.insert", 50, 100, T0, None));
        Assert.True(await _store.TryChargeQuotaAsync(day.AddDays(1), "comments.insert", 50, 100, T0, None));
        Assert.Equal(51, await _store.GetQuotaSpentAsync(day, None));
        Assert.Equal(50, await _store.GetQuotaSpentAsync(day.AddDays(1), None));
    }

    [Fact]
    public async Task Cursors_and_counts_round_trip()
    {
        Assert.Null(await _store.GetCursorAsync("poller.watermark", None));
        await _store.SetCursorAsync("poller.watermark", "a", None);
        await _store.SetCursorAsync("poller.watermark", "b", None);
        Assert.Equal("b", await _store.GetCursorAsync("poller.watermark", None));
        await _store.AddCommentAsync(MakeComment(1), CommentState.New, null, None);
        await _store.AddCommentAsync(MakeComment(2), CommentState.Skipped, "owner", None);
        var counts = await _store.CountByStateAsync(None);
        Assert.Equal((1, 1, 0), (counts[CommentState.New], counts[CommentState.Skipped], counts[CommentState.Posted]));
    }
}
