using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using ShawBot.Core.Domain;
using ShawBot.Core.Ports;
using static ShawBot.Infrastructure.Store.SqliteDb;
using static ShawBot.Infrastructure.Store.StoreColumns;

namespace ShawBot.Infrastructure.Store;

/// <summary>
/// <see cref="ICommentStore"/> on SQLite. Each transition is a single transaction whose UPDATE carries the
/// expected state in its WHERE clause (compare-and-set), so two workers or a restarted process cannot
/// both take the same step. Migrations run once, before the first operation.
/// </summary>
public sealed partial class SqliteCommentStore : ICommentStore, IMigratingStore, IWorkLeases
{
    private readonly SqliteDb _db;
    private readonly TimeProvider _time;
    private readonly Lazy<Task<int>> _migrated;
    private readonly LeaseTerms _leaseTerms;

    public SqliteCommentStore(IOptions<StoreOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _db = new SqliteDb(options.Value.DatabasePath);
        _time = time;
        _leaseTerms = LeaseTerms.From(options.Value);
        _migrated = new Lazy<Task<int>>(() => _db.MigrateAsync(CancellationToken.None));
    }

    /// <summary>Applies pending migrations (also done lazily by the first operation); returns the schema version.</summary>
    public Task<int> MigrateAsync() => _migrated.Value;

    public async Task<bool> AddCommentAsync(Comment comment, CommentState state, string? reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(comment);
        await MigrateAsync().ConfigureAwait(false);
        var now = Time(_time.GetUtcNow());
        return await _db.InTransactionAsync(
            async (connection, tx) => await Exec(connection, tx, """
                INSERT INTO comments (comment_id, thread_id, video_id, video_title, author_channel_id, author_display_name, text,
                                      published_at, updated_at, state, state_reason, first_seen_at, state_changed_at, source_id)
                VALUES ($id, $thread, $video, $title, $author, $name, $text, $published, $updated, $state, $reason, $now, $now, $source)
                ON CONFLICT DO NOTHING;
                """,
                cancellationToken,
                ("$id", comment.CommentId), ("$thread", comment.ThreadId), ("$video", comment.VideoId), ("$title", comment.VideoTitle),
                ("$author", comment.AuthorChannelId), ("$name", comment.AuthorDisplayName), ("$text", comment.Text),
                ("$published", Time(comment.PublishedAt)), ("$updated", Time(comment.UpdatedAt)), ("$state", state.ToString()),
                ("$reason", reason), ("$now", now), ("$source", comment.SourceId)).ConfigureAwait(false) == 1,
            cancellationToken).ConfigureAwait(false);
    }

    public async Task<TrackedComment?> GetCommentAsync(string commentId, CancellationToken cancellationToken)
    {
        await MigrateAsync().ConfigureAwait(false);
        return await _db.ReadAsync(
            async connection => (await QueryComments(connection, null, $"SELECT {CommentColumns} FROM comments c WHERE c.comment_id = $id;", cancellationToken, ("$id", commentId)).ConfigureAwait(false)).FirstOrDefault(),
            cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<TrackedComment>> ListByStateAsync(CommentState state, int limit, CancellationToken cancellationToken)
    {
        await MigrateAsync().ConfigureAwait(false);
        return await _db.ReadAsync(
            connection => QueryComments(connection, null, $"SELECT {CommentColumns} FROM comments c WHERE c.state = $state ORDER BY c.published_at, c.comment_id LIMIT $limit;", cancellationToken, ("$state", state.ToString()), ("$limit", limit)),
            cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyDictionary<CommentState, int>> CountByStateAsync(CancellationToken cancellationToken)
    {
        await MigrateAsync().ConfigureAwait(false);
        return await _db.ReadAsync(
            async connection =>
            {
                var counts = Enum.GetValues<CommentState>().ToDictionary(s => s, _ => 0);
                using var command = Command(connection, null, "SELECT state, COUNT(*) FROM comments GROUP BY state;");
                using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    counts[Enum.Parse<CommentState>(reader.GetString(0))] = reader.GetInt32(1);
                }

                return (IReadOnlyDictionary<CommentState, int>)counts;
            },
            cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> TryBeginDraftingAsync(string commentId, CancellationToken cancellationToken)
    {
        await MigrateAsync().ConfigureAwait(false);
        var now = Time(_time.GetUtcNow());
        return await _db.InTransactionAsync(
            async (connection, tx) => await Exec(connection, tx, """
                UPDATE comments SET state = 'Drafting', state_reason = NULL, draft_attempts = draft_attempts + 1, state_changed_at = $now,
                       claimed_by = $owner, lease_until = $until
                WHERE comment_id = $id AND state = 'New';
                """, cancellationToken, ("$id", commentId), ("$now", now), ("$owner", Owner), ("$until", LeaseUntil())).ConfigureAwait(false) == 1,
            cancellationToken).ConfigureAwait(false);
    }

    public async Task<Draft?> SaveDraftAsync(string commentId, ReplyDraft draft, DateTimeOffset createdAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(draft);
        await MigrateAsync().ConfigureAwait(false);
        var now = Time(_time.GetUtcNow());
        var sampling = draft.Sampling.ToString();
        return await _db.InTransactionAsync<Draft?>(
            async (connection, tx) =>
            {
                // Only the lease holder saves: a host whose lease expired and was taken over drafts in vain.
                using var state = Command(connection, tx, "SELECT state FROM comments WHERE comment_id = $id AND (claimed_by IS NULL OR claimed_by = $owner);", ("$id", commentId), ("$owner", Owner));
                if (await state.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string != nameof(CommentState.Drafting))
                {
                    return null;
                }

                using var insert = Command(connection, tx, """
                    INSERT INTO drafts (comment_id, text, model_name, adapter_version, sampling, created_at)
                    VALUES ($id, $text, $model, $adapter, $sampling, $created) RETURNING draft_id;
                    """,
                    ("$id", commentId), ("$text", draft.Text), ("$model", draft.ModelName), ("$adapter", draft.AdapterVersion),
                    ("$sampling", sampling), ("$created", Time(createdAt)));
                var draftId = Convert.ToInt64(await insert.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
                await Exec(connection, tx, """
                    UPDATE comments SET state = 'AwaitingReview', state_reason = NULL, current_draft_id = $draft, state_changed_at = $now,
                           claimed_by = NULL, lease_until = NULL
                    WHERE comment_id = $id;
                    """, cancellationToken, ("$id", commentId), ("$draft", draftId), ("$now", now)).ConfigureAwait(false);
                return new Draft(draftId, commentId, draft.Text, draft.ModelName, draft.AdapterVersion, sampling, createdAt);
            },
            cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> TryTransitionAsync(string commentId, CommentState from, CommentState to, string? reason, CancellationToken cancellationToken)
    {
        await MigrateAsync().ConfigureAwait(false);
        var now = Time(_time.GetUtcNow());
        return await _db.InTransactionAsync(
            async (connection, tx) => await Exec(connection, tx, """
                UPDATE comments SET state = $to, state_reason = $reason,
                       state_changed_at = CASE WHEN $to = $from THEN state_changed_at ELSE $now END
                WHERE comment_id = $id AND state = $from;
                """, cancellationToken, ("$id", commentId), ("$from", from.ToString()), ("$to", to.ToString()), ("$reason", reason), ("$now", now)).ConfigureAwait(false) == 1,
            cancellationToken).ConfigureAwait(false);
    }

    public async Task<int> TransitionAllAsync(CommentState from, CommentState to, CancellationToken cancellationToken)
    {
        await MigrateAsync().ConfigureAwait(false);
        var now = Time(_time.GetUtcNow());
        return await _db.InTransactionAsync(
            (connection, tx) => Exec(connection, tx, "UPDATE comments SET state = $to, state_changed_at = $now WHERE state = $from;", cancellationToken, ("$from", from.ToString()), ("$to", to.ToString()), ("$now", now)),
            cancellationToken).ConfigureAwait(false);
    }

    public async Task<Draft?> GetDraftAsync(long draftId, CancellationToken cancellationToken)
    {
        await MigrateAsync().ConfigureAwait(false);
        return await _db.ReadAsync(
            async connection =>
            {
                using var command = Command(connection, null, $"SELECT {DraftColumns} FROM drafts d WHERE d.draft_id = $id;", ("$id", draftId));
                using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadDraft(reader, 0) : null;
            },
            cancellationToken).ConfigureAwait(false);
    }

    public async Task<DecisionResult> RecordDecisionAsync(long draftId, DecisionKind kind, Moderator moderator, string? finalText, DateTimeOffset decidedAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(moderator);
        await MigrateAsync().ConfigureAwait(false);
        return await _db.InTransactionAsync(
            async (connection, tx) =>
            {
                using var find = Command(connection, tx, """
                    SELECT c.comment_id, c.state, c.current_draft_id, (SELECT COUNT(*) FROM decisions x WHERE x.draft_id = d.draft_id)
                    FROM drafts d JOIN comments c ON c.comment_id = d.comment_id WHERE d.draft_id = $draft;
                    """, ("$draft", draftId));
                string commentId;
                CommentState state;
                bool current;
                using (var reader = await find.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        return new DecisionResult(DecisionStatus.NotFound, null, $"no draft {draftId}");
                    }

                    commentId = reader.GetString(0);
                    state = Enum.Parse<CommentState>(reader.GetString(1));
                    current = !reader.IsDBNull(2) && reader.GetInt64(2) == draftId && reader.GetInt64(3) == 0;
                }

                if (DecisionOutcome.Refusal(state, current) is { } refused)
                {
                    return refused;
                }

                var next = DecisionOutcome.StateAfter(kind);
                await Exec(connection, tx, """
                    INSERT INTO decisions (draft_id, comment_id, kind, moderator_id, moderator_name, final_text, decided_at)
                    VALUES ($draft, $id, $kind, $mid, $mname, $text, $at);
                    """, cancellationToken,
                    ("$draft", draftId), ("$id", commentId), ("$kind", kind.ToString()), ("$mid", moderator.Id), ("$mname", moderator.Name),
                    ("$text", finalText), ("$at", Time(decidedAt))).ConfigureAwait(false);
                await Exec(connection, tx, """
                    UPDATE comments SET state = $state, state_reason = NULL, state_changed_at = $at,
                           draft_attempts = CASE WHEN $state = 'New' THEN 0 ELSE draft_attempts END
                    WHERE comment_id = $id;
                    """, cancellationToken, ("$id", commentId), ("$state", next.ToString()), ("$at", Time(_time.GetUtcNow()))).ConfigureAwait(false);
                return new DecisionResult(DecisionStatus.Accepted, next);
            },
            cancellationToken).ConfigureAwait(false);
    }

    public async Task<Decision?> GetDecisionForDraftAsync(long draftId, CancellationToken cancellationToken)
    {
        await MigrateAsync().ConfigureAwait(false);
        return await _db.ReadAsync(
            async connection =>
            {
                using var command = Command(connection, null, """
                    SELECT decision_id, draft_id, comment_id, kind, moderator_id, moderator_name, final_text, decided_at
                    FROM decisions WHERE draft_id = $draft;
                    """, ("$draft", draftId));
                using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    return null;
                }

                return new Decision(
                    reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2), Enum.Parse<DecisionKind>(reader.GetString(3)),
                    new Moderator(reader.GetString(4), reader.GetString(5)), reader.IsDBNull(6) ? null : reader.GetString(6), ParseTime(reader.GetString(7)));
            },
            cancellationToken).ConfigureAwait(false);
    }

    public async Task<string?> TryBeginPostingAsync(string commentId, CancellationToken cancellationToken)
    {
        await MigrateAsync().ConfigureAwait(false);
        var now = Time(_time.GetUtcNow());
        return await _db.InTransactionAsync(
            async (connection, tx) =>
            {
                var changed = await Exec(connection, tx, """
                    UPDATE comments SET state = 'Posting', state_reason = NULL, post_attempts = post_attempts + 1, state_changed_at = $now,
                           claimed_by = $owner, lease_until = $until
                    WHERE comment_id = $id AND state IN ('Approved', 'Edited');
                    """, cancellationToken, ("$id", commentId), ("$now", now), ("$owner", Owner), ("$until", LeaseUntil())).ConfigureAwait(false);
                return changed == 1 ? await TextToPost(connection, tx, commentId, cancellationToken).ConfigureAwait(false) : null;
            },
            cancellationToken).ConfigureAwait(false);
    }

    public async Task<string?> GetTextToPostAsync(string commentId, CancellationToken cancellationToken)
    {
        await MigrateAsync().ConfigureAwait(false);
        return await _db.ReadAsync(connection => TextToPost(connection, null, commentId, cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    public async Task<int> RecordPostAttemptAsync(string commentId, string? lastError, CancellationToken cancellationToken)
    {
        await MigrateAsync().ConfigureAwait(false);
        return await _db.InTransactionAsync(
            async (connection, tx) =>
            {
                using var command = Command(connection, tx, """
                    UPDATE comments SET post_attempts = post_attempts + 1, state_reason = $reason
                    WHERE comment_id = $id AND state = 'Posting' RETURNING post_attempts;
                    """, ("$id", commentId), ("$reason", lastError));
                return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) ?? 0, CultureInfo.InvariantCulture);
            },
            cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> MarkPostedAsync(string commentId, PublishedReply reply, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reply);
        await MigrateAsync().ConfigureAwait(false);
        var now = Time(_time.GetUtcNow());
        return await _db.InTransactionAsync(
            async (connection, tx) =>
            {
                var changed = await Exec(connection, tx, """
                    UPDATE comments SET state = 'Posted', state_reason = NULL, state_changed_at = $now
                    WHERE comment_id = $id AND state = 'Posting';
                    """, cancellationToken, ("$id", commentId), ("$now", now)).ConfigureAwait(false);
                if (changed != 1)
                {
                    return false;
                }

                await Exec(connection, tx, """
                    INSERT INTO posted_replies (comment_id, youtube_reply_id, text, posted_at) VALUES ($id, $reply, $text, $at);
                    """, cancellationToken, ("$id", commentId), ("$reply", reply.ReplyId), ("$text", reply.Text), ("$at", Time(reply.PublishedAt))).ConfigureAwait(false);
                return true;
            },
            cancellationToken).ConfigureAwait(false);
    }

    public async Task SetReviewReferenceAsync(string commentId, string channel, string reference, long draftId, CancellationToken cancellationToken)
    {
        await MigrateAsync().ConfigureAwait(false);
        var now = Time(_time.GetUtcNow());
        await _db.InTransactionAsync(
            (connection, tx) => Exec(connection, tx, """
                INSERT INTO review_messages (comment_id, channel, reference, draft_id, updated_at) VALUES ($id, $channel, $ref, $draft, $now)
                ON CONFLICT (comment_id, channel) DO UPDATE SET reference = excluded.reference, draft_id = excluded.draft_id, updated_at = excluded.updated_at;
                """, cancellationToken, ("$id", commentId), ("$channel", channel), ("$ref", reference), ("$draft", draftId), ("$now", now)),
            cancellationToken).ConfigureAwait(false);
    }

    public async Task<string?> GetReviewReferenceAsync(string commentId, string channel, CancellationToken cancellationToken)
    {
        await MigrateAsync().ConfigureAwait(false);
        return await _db.ReadAsync(
            async connection =>
            {
                using var command = Command(connection, null, "SELECT reference FROM review_messages WHERE comment_id = $id AND channel = $channel;", ("$id", commentId), ("$channel", channel));
                return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
            },
            cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<ReviewItem>> ListUnpublishedReviewsAsync(string channel, int limit, CancellationToken cancellationToken)
    {
        await MigrateAsync().ConfigureAwait(false);
        return await _db.ReadAsync(
            async connection =>
            {
                using var command = Command(connection, null, $"""
                    SELECT {CommentColumns}, {DraftColumns}
                    FROM comments c
                    JOIN drafts d ON d.draft_id = c.current_draft_id
                    LEFT JOIN review_messages r ON r.comment_id = c.comment_id AND r.channel = $channel
                    WHERE c.state = 'AwaitingReview' AND (r.draft_id IS NULL OR r.draft_id <> c.current_draft_id)
                    ORDER BY c.published_at LIMIT $limit;
                    """, ("$channel", channel), ("$limit", limit));
                using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                var items = new List<ReviewItem>();
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    items.Add(new ReviewItem(ReadComment(reader).Comment, ReadDraft(reader, DraftOffset), []));
                }

                return (IReadOnlyList<ReviewItem>)items;
            },
            cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<PostedReply>> ListPostedRepliesAsync(CancellationToken cancellationToken)
    {
        await MigrateAsync().ConfigureAwait(false);
        return await _db.ReadAsync(
            async connection =>
            {
                using var command = Command(connection, null, "SELECT comment_id, youtube_reply_id, text, posted_at FROM posted_replies ORDER BY posted_at, comment_id;");
                using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                var replies = new List<PostedReply>();
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    replies.Add(new PostedReply(reader.GetString(0), reader.GetString(1), reader.GetString(2), ParseTime(reader.GetString(3))));
                }

                return (IReadOnlyList<PostedReply>)replies;
            },
            cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<CuratedExample>> ListCuratedExamplesAsync(CancellationToken cancellationToken)
    {
        await MigrateAsync().ConfigureAwait(false);
        return await _db.ReadAsync(
            async connection =>
            {
                using var command = Command(connection, null, """
                    SELECT comment_id, comment_text, video_title, reply, edited, moderator_id, moderator_name, decided_at, posted_at, source_id
                    FROM curated_examples ORDER BY decided_at, comment_id;
                    """);
                using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                var examples = new List<CuratedExample>();
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    examples.Add(new CuratedExample(
                        reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetString(3),
                        reader.GetInt64(4) != 0, new Moderator(reader.GetString(5), reader.GetString(6)),
                        ParseTime(reader.GetString(7)), ParseTime(reader.GetString(8))) { SourceId = reader.IsDBNull(9) ? null : reader.GetString(9) });
                }

                return (IReadOnlyList<CuratedExample>)examples;
            },
            cancellationToken).ConfigureAwait(false);
    }

    public async Task<string?> GetCursorAsync(string name, CancellationToken cancellationToken)
    {
        await MigrateAsync().ConfigureAwait(false);
        return await _db.ReadAsync(
            async connection =>
            {
                using var command = Command(connection, null, "SELECT value FROM poll_cursors WHERE name = $name;", ("$name", name));
                return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
            },
            cancellationToken).ConfigureAwait(false);
    }

    public async Task SetCursorAsync(string name, string value, CancellationToken cancellationToken)
    {
        await MigrateAsync().ConfigureAwait(false);
        var now = Time(_time.GetUtcNow());
        await _db.InTransactionAsync(
            (connection, tx) => Exec(connection, tx, """
                INSERT INTO poll_cursors (name, value, updated_at) VALUES ($name, $value, $now)
                ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at;
                """, cancellationToken, ("$name", name), ("$value", value), ("$now", now)),
            cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> TryChargeQuotaAsync(DateOnly quotaDay, string operation, int units, int dailyBudget, DateTimeOffset at, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(units);
        await MigrateAsync().ConfigureAwait(false);
        var day = quotaDay.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        return await _db.InTransactionAsync(
            async (connection, tx) =>
            {
                var spent = await Spent(connection, tx, day, cancellationToken).ConfigureAwait(false);
                if (spent + units > dailyBudget)
                {
                    return false;
                }

                await Exec(connection, tx, "INSERT INTO quota_ledger (quota_day, operation, units, charged_at) VALUES ($day, $op, $units, $at);", cancellationToken,
                    ("$day", day), ("$op", operation), ("$units", units), ("$at", Time(at))).ConfigureAwait(false);
                return true;
            },
            cancellationToken).ConfigureAwait(false);
    }

    public async Task<int> GetQuotaSpentAsync(DateOnly quotaDay, CancellationToken cancellationToken)
    {
        await MigrateAsync().ConfigureAwait(false);
        var day = quotaDay.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        return await _db.ReadAsync(connection => Spent(connection, null, day, cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    private static async Task<int> Spent(SqliteConnection connection, SqliteTransaction? tx, string day, CancellationToken cancellationToken)
    {
        using var command = Command(connection, tx, "SELECT COALESCE(SUM(units), 0) FROM quota_ledger WHERE quota_day = $day;", ("$day", day));
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
    }

    private static async Task<string?> TextToPost(SqliteConnection connection, SqliteTransaction? tx, string commentId, CancellationToken cancellationToken)
    {
        using var command = Command(connection, tx, """
            SELECT d.final_text FROM comments c JOIN decisions d ON d.draft_id = c.current_draft_id
            WHERE c.comment_id = $id AND d.kind IN ('Approve', 'Edit');
            """, ("$id", commentId));
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
    }

    private static async Task<IReadOnlyList<TrackedComment>> QueryComments(SqliteConnection connection, SqliteTransaction? tx, string sql, CancellationToken cancellationToken, params (string, object?)[] parameters)
    {
        using var command = Command(connection, tx, sql, parameters);
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var comments = new List<TrackedComment>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            comments.Add(ReadComment(reader));
        }

        return comments;
    }

    private static TrackedComment ReadComment(SqliteDataReader r) => new(
        new Comment(
            r.GetString(0), r.GetString(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(6),
            ParseTime(r.GetString(7)), ParseTime(r.GetString(8))) { SourceId = r.IsDBNull(15) ? null : r.GetString(15) },
        Enum.Parse<CommentState>(r.GetString(9)),
        r.IsDBNull(10) ? null : r.GetString(10),
        r.IsDBNull(11) ? null : r.GetInt64(11),
        r.GetInt32(12),
        r.GetInt32(13),
        ParseTime(r.GetString(14)));

    private static Draft ReadDraft(SqliteDataReader r, int at) => new(
        r.GetInt64(at), r.GetString(at + 1), r.GetString(at + 2), r.GetString(at + 3), r.GetString(at + 4), r.GetString(at + 5), ParseTime(r.GetString(at + 6)));
}
