using Microsoft.Extensions.Options;
using Npgsql;
using ShawBot.Core.Domain;
using ShawBot.Core.Ports;
using static ShawBot.Infrastructure.Store.Postgres.PostgresDb;
using static ShawBot.Infrastructure.Store.StoreColumns;

namespace ShawBot.Infrastructure.Store.Postgres;

/// <summary>
/// <see cref="ICommentStore"/> on PostgreSQL, for several hosts on one database. Same contract as
/// <see cref="SqliteCommentStore"/> (the contract tests run against both): every transition is an UPDATE whose
/// WHERE carries the expected state; read-then-write steps lock the row they read (<c>FOR UPDATE</c>) and the quota
/// check-and-charge holds an advisory lock on its day, so two hosts cannot both pass the budget check.
/// </summary>
public sealed partial class PostgresCommentStore : ICommentStore, IMigratingStore, IWorkLeases, IDisposable, IAsyncDisposable
{
    private readonly PostgresDb _db;
    private readonly TimeProvider _time;
    private readonly Lazy<Task<int>> _migrated;
    private readonly LeaseTerms _leaseTerms;

    public PostgresCommentStore(IOptions<StoreOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _db = new PostgresDb(options.Value.ConnectionString
            ?? throw new InvalidOperationException($"{StoreOptions.Section}:{nameof(StoreOptions.ConnectionString)} is required for the postgres provider."));
        _time = time;
        _leaseTerms = LeaseTerms.From(options.Value);
        _migrated = new Lazy<Task<int>>(() => _db.MigrateAsync(Migrations.Postgres, CancellationToken.None));
    }

    public void Dispose() => _db.Dispose();

    public ValueTask DisposeAsync() => _db.DisposeAsync();

    /// <summary>Applies pending migrations (also done lazily by the first operation); returns the schema version.</summary>
    public Task<int> MigrateAsync() => _migrated.Value;

    private DateTimeOffset Now => Utc(_time.GetUtcNow());

    internal async Task<T> Write<T>(Func<NpgsqlConnection, NpgsqlTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        await MigrateAsync().ConfigureAwait(false);
        return await _db.InTransactionAsync(work, cancellationToken).ConfigureAwait(false);
    }

    internal async Task<T> Read<T>(Func<NpgsqlConnection, Task<T>> work, CancellationToken cancellationToken)
    {
        await MigrateAsync().ConfigureAwait(false);
        return await _db.ReadAsync(work, cancellationToken).ConfigureAwait(false);
    }

    private Task<int> Update(string sql, CancellationToken cancellationToken, params (string, object?)[] parameters) =>
        Write((connection, tx) => Exec(connection, tx, sql, cancellationToken, parameters), cancellationToken);

    public async Task<bool> AddCommentAsync(Comment comment, CommentState state, string? reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(comment);
        return await Update("""
            INSERT INTO comments (comment_id, thread_id, video_id, video_title, author_channel_id, author_display_name, text,
                                  published_at, updated_at, state, state_reason, first_seen_at, state_changed_at, source_id)
            VALUES (@id, @thread, @video, @title, @author, @name, @text, @published, @updated, @state, @reason, @now, @now, @source)
            ON CONFLICT DO NOTHING;
            """, cancellationToken,
            ("id", comment.CommentId), ("thread", comment.ThreadId), ("video", comment.VideoId), ("title", comment.VideoTitle),
            ("author", comment.AuthorChannelId), ("name", comment.AuthorDisplayName), ("text", comment.Text),
            ("published", Utc(comment.PublishedAt)), ("updated", Utc(comment.UpdatedAt)), ("state", state.ToString()),
            ("reason", reason), ("now", Now), ("source", comment.SourceId)).ConfigureAwait(false) == 1;
    }

    public async Task<TrackedComment?> GetCommentAsync(string commentId, CancellationToken cancellationToken) =>
        (await Read(c => Rows(c, $"SELECT {CommentColumns} FROM comments c WHERE c.comment_id = @id;", ReadComment, cancellationToken, ("id", commentId)), cancellationToken).ConfigureAwait(false)).FirstOrDefault();

    public Task<IReadOnlyList<TrackedComment>> ListByStateAsync(CommentState state, int limit, CancellationToken cancellationToken) =>
        Read(c => Rows(c, $"SELECT {CommentColumns} FROM comments c WHERE c.state = @state ORDER BY c.published_at, c.comment_id LIMIT @limit;", ReadComment, cancellationToken, ("state", state.ToString()), ("limit", limit)), cancellationToken);

    public async Task<IReadOnlyDictionary<CommentState, int>> CountByStateAsync(CancellationToken cancellationToken)
    {
        var rows = await Read(c => Rows(c, "SELECT state, COUNT(*) FROM comments GROUP BY state;", r => (State: Enum.Parse<CommentState>(r.GetString(0)), Count: (int)r.GetInt64(1)), cancellationToken), cancellationToken).ConfigureAwait(false);
        var counts = Enum.GetValues<CommentState>().ToDictionary(s => s, _ => 0);
        foreach (var (state, count) in rows)
        {
            counts[state] = count;
        }

        return counts;
    }

    public async Task<bool> TryBeginDraftingAsync(string commentId, CancellationToken cancellationToken) =>
        await Update("""
            UPDATE comments SET state = 'Drafting', state_reason = NULL, draft_attempts = draft_attempts + 1, state_changed_at = @now,
                   claimed_by = @owner, lease_until = @until
            WHERE comment_id = (SELECT comment_id FROM comments WHERE comment_id = @id AND state = 'New' FOR UPDATE SKIP LOCKED);
            """, cancellationToken, ("id", commentId), ("now", Now), ("owner", Owner), ("until", Now + LeaseDuration)).ConfigureAwait(false) == 1;

    public Task<Draft?> SaveDraftAsync(string commentId, ReplyDraft draft, DateTimeOffset createdAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(draft);
        var sampling = draft.Sampling.ToString();
        return Write<Draft?>(
            async (connection, tx) =>
            {
                await using var state = Command(connection, tx, "SELECT state FROM comments WHERE comment_id = @id AND (claimed_by IS NULL OR claimed_by = @owner) FOR UPDATE;", ("id", commentId), ("owner", Owner));
                if (await state.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string != nameof(CommentState.Drafting))
                {
                    return null;
                }

                await using var insert = Command(connection, tx, """
                    WITH d AS (
                        INSERT INTO drafts (comment_id, text, model_name, adapter_version, sampling, created_at)
                        VALUES (@id, @text, @model, @adapter, @sampling, @created) RETURNING draft_id)
                    UPDATE comments SET state = 'AwaitingReview', state_reason = NULL, current_draft_id = d.draft_id, state_changed_at = @now,
                           claimed_by = NULL, lease_until = NULL
                    FROM d WHERE comment_id = @id RETURNING d.draft_id;
                    """,
                    ("id", commentId), ("text", draft.Text), ("model", draft.ModelName), ("adapter", draft.AdapterVersion),
                    ("sampling", sampling), ("created", Utc(createdAt)), ("now", Now));
                var draftId = (long)(await insert.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
                return new Draft(draftId, commentId, draft.Text, draft.ModelName, draft.AdapterVersion, sampling, createdAt);
            },
            cancellationToken);
    }

    public async Task<bool> TryTransitionAsync(string commentId, CommentState from, CommentState to, string? reason, CancellationToken cancellationToken) =>
        await Update("""
            UPDATE comments SET state = @to, state_reason = @reason,
                   state_changed_at = CASE WHEN @to = @from THEN state_changed_at ELSE @now END
            WHERE comment_id = @id AND state = @from;
            """, cancellationToken, ("id", commentId), ("from", from.ToString()), ("to", to.ToString()), ("reason", reason), ("now", Now)).ConfigureAwait(false) == 1;

    public Task<int> TransitionAllAsync(CommentState from, CommentState to, CancellationToken cancellationToken) =>
        Update("UPDATE comments SET state = @to, state_changed_at = @now WHERE state = @from;", cancellationToken, ("from", from.ToString()), ("to", to.ToString()), ("now", Now));

    public async Task<Draft?> GetDraftAsync(long draftId, CancellationToken cancellationToken) =>
        (await Read(c => Rows(c, $"SELECT {DraftColumns} FROM drafts d WHERE d.draft_id = @id;", r => ReadDraft(r, 0), cancellationToken, ("id", draftId)), cancellationToken).ConfigureAwait(false)).FirstOrDefault();

    public Task<DecisionResult> RecordDecisionAsync(long draftId, DecisionKind kind, Moderator moderator, string? finalText, DateTimeOffset decidedAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(moderator);
        return Write(
            async (connection, tx) =>
            {
                // The comment row stays locked until commit: a second decision on another host waits and then sees it.
                var found = await Rows(connection, """
                    SELECT c.comment_id, c.state, c.current_draft_id IS NOT DISTINCT FROM d.draft_id
                           AND NOT EXISTS (SELECT 1 FROM decisions x WHERE x.draft_id = d.draft_id)
                    FROM drafts d JOIN comments c ON c.comment_id = d.comment_id WHERE d.draft_id = @draft FOR UPDATE OF c;
                    """, r => (Id: r.GetString(0), State: Enum.Parse<CommentState>(r.GetString(1)), Current: r.GetBoolean(2)), cancellationToken, tx, ("draft", draftId)).ConfigureAwait(false);
                if (found.Count == 0)
                {
                    return new DecisionResult(DecisionStatus.NotFound, null, $"no draft {draftId}");
                }

                var (commentId, state, current) = found[0];
                if (DecisionOutcome.Refusal(state, current) is { } refused)
                {
                    return refused;
                }

                var next = DecisionOutcome.StateAfter(kind);
                await Exec(connection, tx, """
                    INSERT INTO decisions (draft_id, comment_id, kind, moderator_id, moderator_name, final_text, decided_at)
                    VALUES (@draft, @id, @kind, @mid, @mname, @text, @at);
                    UPDATE comments SET state = @state, state_reason = NULL, state_changed_at = @now,
                           draft_attempts = CASE WHEN @state = 'New' THEN 0 ELSE draft_attempts END
                    WHERE comment_id = @id;
                    """, cancellationToken,
                    ("draft", draftId), ("id", commentId), ("kind", kind.ToString()), ("mid", moderator.Id), ("mname", moderator.Name),
                    ("text", finalText), ("at", Utc(decidedAt)), ("state", next.ToString()), ("now", Now)).ConfigureAwait(false);
                return new DecisionResult(DecisionStatus.Accepted, next);
            },
            cancellationToken);
    }

    public async Task<Decision?> GetDecisionForDraftAsync(long draftId, CancellationToken cancellationToken) =>
        (await Read(
            c => Rows(c, """
                SELECT decision_id, draft_id, comment_id, kind, moderator_id, moderator_name, final_text, decided_at
                FROM decisions WHERE draft_id = @draft;
                """,
                r => new Decision(
                    r.GetInt64(0), r.GetInt64(1), r.GetString(2), Enum.Parse<DecisionKind>(r.GetString(3)),
                    new Moderator(r.GetString(4), r.GetString(5)), r.IsDBNull(6) ? null : r.GetString(6), Time(r, 7)),
                cancellationToken, ("draft", draftId)),
            cancellationToken).ConfigureAwait(false)).FirstOrDefault();

    public Task<string?> TryBeginPostingAsync(string commentId, CancellationToken cancellationToken) =>
        Write(
            async (connection, tx) =>
            {
                var changed = await Exec(connection, tx, """
                    UPDATE comments SET state = 'Posting', state_reason = NULL, post_attempts = post_attempts + 1, state_changed_at = @now,
                           claimed_by = @owner, lease_until = @until
                    WHERE comment_id = (SELECT comment_id FROM comments WHERE comment_id = @id AND state IN ('Approved', 'Edited') FOR UPDATE SKIP LOCKED);
                    """, cancellationToken, ("id", commentId), ("now", Now), ("owner", Owner), ("until", Now + LeaseDuration)).ConfigureAwait(false);
                return changed == 1 ? await TextToPost(connection, tx, commentId, cancellationToken).ConfigureAwait(false) : null;
            },
            cancellationToken);

    public Task<string?> GetTextToPostAsync(string commentId, CancellationToken cancellationToken) =>
        Read(connection => TextToPost(connection, null, commentId, cancellationToken), cancellationToken);

    public async Task<int> RecordPostAttemptAsync(string commentId, string? lastError, CancellationToken cancellationToken) =>
        (await Write(
            (connection, tx) => Rows(connection, """
                UPDATE comments SET post_attempts = post_attempts + 1, state_reason = @reason
                WHERE comment_id = @id AND state = 'Posting' RETURNING post_attempts;
                """, r => r.GetInt32(0), cancellationToken, tx, ("id", commentId), ("reason", lastError)),
            cancellationToken).ConfigureAwait(false)).FirstOrDefault();

    public Task<bool> MarkPostedAsync(string commentId, PublishedReply reply, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reply);
        return Write(
            async (connection, tx) =>
            {
                var changed = await Exec(connection, tx, """
                    UPDATE comments SET state = 'Posted', state_reason = NULL, state_changed_at = @now
                    WHERE comment_id = @id AND state = 'Posting';
                    """, cancellationToken, ("id", commentId), ("now", Now)).ConfigureAwait(false);
                if (changed != 1)
                {
                    return false;
                }

                await Exec(connection, tx, "INSERT INTO posted_replies (comment_id, youtube_reply_id, text, posted_at) VALUES (@id, @reply, @text, @at);", cancellationToken,
                    ("id", commentId), ("reply", reply.ReplyId), ("text", reply.Text), ("at", Utc(reply.PublishedAt))).ConfigureAwait(false);
                return true;
            },
            cancellationToken);
    }

    public Task SetReviewReferenceAsync(string commentId, string channel, string reference, long draftId, CancellationToken cancellationToken) =>
        Update("""
            INSERT INTO review_messages (comment_id, channel, reference, draft_id, updated_at) VALUES (@id, @channel, @ref, @draft, @now)
            ON CONFLICT (comment_id, channel) DO UPDATE SET reference = excluded.reference, draft_id = excluded.draft_id, updated_at = excluded.updated_at;
            """, cancellationToken, ("id", commentId), ("channel", channel), ("ref", reference), ("draft", draftId), ("now", Now));

    public async Task<string?> GetReviewReferenceAsync(string commentId, string channel, CancellationToken cancellationToken) =>
        (await Read(c => Rows(c, "SELECT reference FROM review_messages WHERE comment_id = @id AND channel = @channel;", r => r.GetString(0), cancellationToken, ("id", commentId), ("channel", channel)), cancellationToken).ConfigureAwait(false)).FirstOrDefault();

    public Task<IReadOnlyList<ReviewItem>> ListUnpublishedReviewsAsync(string channel, int limit, CancellationToken cancellationToken) =>
        Read(
            c => Rows(c, $"""
                SELECT {CommentColumns}, {DraftColumns}
                FROM comments c
                JOIN drafts d ON d.draft_id = c.current_draft_id
                LEFT JOIN review_messages r ON r.comment_id = c.comment_id AND r.channel = @channel
                WHERE c.state = 'AwaitingReview' AND (r.draft_id IS NULL OR r.draft_id <> c.current_draft_id)
                ORDER BY c.published_at LIMIT @limit;
                """, r => new ReviewItem(ReadComment(r).Comment, ReadDraft(r, DraftOffset), []), cancellationToken, ("channel", channel), ("limit", limit)),
            cancellationToken);

    public Task<IReadOnlyList<PostedReply>> ListPostedRepliesAsync(CancellationToken cancellationToken) =>
        Read(
            c => Rows(c, "SELECT comment_id, youtube_reply_id, text, posted_at FROM posted_replies ORDER BY posted_at, comment_id;",
                r => new PostedReply(r.GetString(0), r.GetString(1), r.GetString(2), Time(r, 3)), cancellationToken),
            cancellationToken);

    public Task<IReadOnlyList<CuratedExample>> ListCuratedExamplesAsync(CancellationToken cancellationToken) =>
        Read(
            c => Rows(c, """
                SELECT comment_id, comment_text, video_title, reply, edited, moderator_id, moderator_name, decided_at, posted_at, source_id
                FROM curated_examples ORDER BY decided_at, comment_id;
                """,
                r => new CuratedExample(
                    r.GetString(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.GetString(3), r.GetBoolean(4),
                    new Moderator(r.GetString(5), r.GetString(6)), Time(r, 7), Time(r, 8)) { SourceId = r.IsDBNull(9) ? null : r.GetString(9) },
                cancellationToken),
            cancellationToken);

    public async Task<string?> GetCursorAsync(string name, CancellationToken cancellationToken) =>
        (await Read(c => Rows(c, "SELECT value FROM poll_cursors WHERE name = @name;", r => r.GetString(0), cancellationToken, ("name", name)), cancellationToken).ConfigureAwait(false)).FirstOrDefault();

    public Task SetCursorAsync(string name, string value, CancellationToken cancellationToken) =>
        Update("""
            INSERT INTO poll_cursors (name, value, updated_at) VALUES (@name, @value, @now)
            ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at;
            """, cancellationToken, ("name", name), ("value", value), ("now", Now));

    public Task<bool> TryChargeQuotaAsync(DateOnly quotaDay, string operation, int units, int dailyBudget, DateTimeOffset at, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(units);
        return Write(
            async (connection, tx) =>
            {
                // One charger per day at a time across every host: the lock is held until commit, so the sum read
                // below cannot change before the insert lands (READ COMMITTED alone would let two hosts both pass).
                await Exec(connection, tx, "SELECT pg_advisory_xact_lock(hashtext('shawbot.quota'), hashtext(@day::text));", cancellationToken, ("day", quotaDay)).ConfigureAwait(false);
                if (await Spent(connection, tx, quotaDay, cancellationToken).ConfigureAwait(false) + units > dailyBudget)
                {
                    return false;
                }

                await Exec(connection, tx, "INSERT INTO quota_ledger (quota_day, operation, units, charged_at) VALUES (@day, @op, @units, @at);", cancellationToken,
                    ("day", quotaDay), ("op", operation), ("units", units), ("at", Utc(at))).ConfigureAwait(false);
                return true;
            },
            cancellationToken);
    }

    public Task<int> GetQuotaSpentAsync(DateOnly quotaDay, CancellationToken cancellationToken) =>
        Read(connection => Spent(connection, null, quotaDay, cancellationToken), cancellationToken);

    private static async Task<int> Spent(NpgsqlConnection connection, NpgsqlTransaction? tx, DateOnly day, CancellationToken cancellationToken) =>
        (int)(await Rows(connection, "SELECT COALESCE(SUM(units), 0) FROM quota_ledger WHERE quota_day = @day;", r => r.GetInt64(0), cancellationToken, tx, ("day", day)).ConfigureAwait(false))[0];

    private static async Task<string?> TextToPost(NpgsqlConnection connection, NpgsqlTransaction? tx, string commentId, CancellationToken cancellationToken) =>
        (await Rows(connection, """
            SELECT d.final_text FROM comments c JOIN decisions d ON d.draft_id = c.current_draft_id
            WHERE c.comment_id = @id AND d.kind IN ('Approve', 'Edit');
            """, r => r.IsDBNull(0) ? null : r.GetString(0), cancellationToken, tx, ("id", commentId)).ConfigureAwait(false)).FirstOrDefault();

    private static Task<IReadOnlyList<T>> Rows<T>(NpgsqlConnection connection, string sql, Func<NpgsqlDataReader, T> read, CancellationToken cancellationToken, params (string, object?)[] parameters) =>
        Rows(connection, sql, read, cancellationToken, null, parameters);

    private static async Task<IReadOnlyList<T>> Rows<T>(NpgsqlConnection connection, string sql, Func<NpgsqlDataReader, T> read, CancellationToken cancellationToken, NpgsqlTransaction? tx, params (string, object?)[] parameters)
    {
        await using var command = Command(connection, tx, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    private static DateTimeOffset Time(NpgsqlDataReader r, int at) => r.GetFieldValue<DateTimeOffset>(at);

    private static TrackedComment ReadComment(NpgsqlDataReader r) => new(
        new Comment(
            r.GetString(0), r.GetString(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(6),
            Time(r, 7), Time(r, 8)) { SourceId = r.IsDBNull(15) ? null : r.GetString(15) },
        Enum.Parse<CommentState>(r.GetString(9)),
        r.IsDBNull(10) ? null : r.GetString(10),
        r.IsDBNull(11) ? null : r.GetInt64(11),
        r.GetInt32(12),
        r.GetInt32(13),
        Time(r, 14));

    private static Draft ReadDraft(NpgsqlDataReader r, int at) => new(
        r.GetInt64(at), r.GetString(at + 1), r.GetString(at + 2), r.GetString(at + 3), r.GetString(at + 4), r.GetString(at + 5), Time(r, at + 6));
}
