namespace ShawBot.Infrastructure.Store;

/// <summary>
/// Migration step 1 ("initial schema") for both providers from one text: the tables, keys, checks and view are
/// written once; <see cref="SchemaDialect"/> fills in the few words the dialects spell differently (time and day
/// types, identity columns, the no-repost trigger). The SQLite rendering is, byte for byte, the step SQLite
/// databases were created with.
/// </summary>
internal static class InitialSchema
{
    private const string Template = """
            CREATE TABLE comments (
                comment_id          TEXT PRIMARY KEY,
                thread_id           TEXT NOT NULL,
                video_id            TEXT NOT NULL,
                video_title         TEXT,
                author_channel_id   TEXT NOT NULL,
                author_display_name TEXT NOT NULL,
                text                TEXT NOT NULL,
                published_at        {Time} NOT NULL,
                updated_at          {Time} NOT NULL,
                state               TEXT NOT NULL CHECK (state IN ('New','Drafting','AwaitingReview','Approved','Edited',
                                        'Rejected','Posting','Posted','PostFailed','Skipped')),
                state_reason        TEXT,
                current_draft_id    {Id}{CurrentDraftReference},
                draft_attempts      INTEGER NOT NULL DEFAULT 0,
                post_attempts       INTEGER NOT NULL DEFAULT 0,
                first_seen_at       {Time} NOT NULL,
                state_changed_at    {Time} NOT NULL
            );
            CREATE INDEX ix_comments_state ON comments (state, published_at);
            CREATE UNIQUE INDEX ux_comments_thread ON comments (thread_id);

            CREATE TABLE drafts (
                draft_id        {Identity},
                comment_id      TEXT NOT NULL REFERENCES comments (comment_id),
                text            TEXT NOT NULL,
                model_name      TEXT NOT NULL,
                adapter_version TEXT NOT NULL,
                sampling        TEXT NOT NULL,
                created_at      {Time} NOT NULL
            );
            CREATE INDEX ix_drafts_comment ON drafts (comment_id);{AfterDrafts}

            -- One decision per draft: a second button press cannot decide twice.
            CREATE TABLE decisions (
                decision_id    {Identity},
                draft_id       {Id} NOT NULL UNIQUE REFERENCES drafts (draft_id),
                comment_id     TEXT NOT NULL REFERENCES comments (comment_id),
                kind           TEXT NOT NULL CHECK (kind IN ('Approve','Edit','Reject','Regenerate')),
                moderator_id   TEXT NOT NULL,
                moderator_name TEXT NOT NULL,
                final_text     TEXT,
                decided_at     {Time} NOT NULL
            );

            -- One reply per comment, and a YouTube reply belongs to one comment.
            CREATE TABLE posted_replies (
                comment_id       TEXT PRIMARY KEY REFERENCES comments (comment_id),
                youtube_reply_id TEXT NOT NULL UNIQUE,
                text             TEXT NOT NULL,
                posted_at        {Time} NOT NULL
            );

            -- A posted comment can never go back to Posting.
            {NoRepostTrigger}

            CREATE TABLE review_messages (
                comment_id TEXT NOT NULL REFERENCES comments (comment_id),
                channel    TEXT NOT NULL,
                reference  TEXT NOT NULL,
                draft_id   {Id} NOT NULL REFERENCES drafts (draft_id),
                updated_at {Time} NOT NULL,
                PRIMARY KEY (comment_id, channel)
            );

            CREATE TABLE poll_cursors (
                name       TEXT PRIMARY KEY,
                value      TEXT NOT NULL,
                updated_at {Time} NOT NULL
            );

            CREATE TABLE quota_ledger (
                entry_id   {Identity},
                quota_day  {Day} NOT NULL,
                operation  TEXT NOT NULL,
                units      INTEGER NOT NULL CHECK (units > 0),
                charged_at {Time} NOT NULL
            );
            CREATE INDEX ix_quota_ledger_day ON quota_ledger (quota_day);

            -- Training data: every posted reply with the decision that produced its text.
            CREATE VIEW curated_examples AS
            SELECT c.comment_id, c.text AS comment_text, c.video_title, d.final_text AS reply,
                   (d.kind = 'Edit') AS edited, d.moderator_id, d.moderator_name, d.decided_at, p.posted_at
            FROM posted_replies p
            JOIN comments c ON c.comment_id = p.comment_id
            JOIN decisions d ON d.draft_id = c.current_draft_id AND d.kind IN ('Approve','Edit');
            """;

    public static string Render(SchemaDialect dialect)
    {
        ArgumentNullException.ThrowIfNull(dialect);
        return Template
            .Replace("{Time}", dialect.Time, StringComparison.Ordinal)
            .Replace("{Day}", dialect.Day, StringComparison.Ordinal)
            .Replace("{Identity}", dialect.Identity, StringComparison.Ordinal)
            .Replace("{Id}", dialect.Id, StringComparison.Ordinal)
            .Replace("{CurrentDraftReference}", dialect.CurrentDraftReference, StringComparison.Ordinal)
            .Replace("{AfterDrafts}", dialect.AfterDrafts, StringComparison.Ordinal)
            .Replace("{NoRepostTrigger}", dialect.NoRepostTrigger, StringComparison.Ordinal);
    }
}

/// <summary>The words of <see cref="InitialSchema"/> that differ between SQLite and PostgreSQL.</summary>
internal sealed record SchemaDialect(
    string Time, string Day, string Identity, string Id, string CurrentDraftReference, string AfterDrafts, string NoRepostTrigger)
{
    /// <summary>Times as fixed-width UTC text (text order is time order), rowid identities.</summary>
    public static SchemaDialect Sqlite { get; } = new(
        "TEXT", "TEXT", "INTEGER PRIMARY KEY AUTOINCREMENT", "INTEGER", " REFERENCES drafts (draft_id)", "", """
        CREATE TRIGGER tr_comments_no_repost BEFORE UPDATE OF state ON comments
        WHEN NEW.state = 'Posting' AND EXISTS (SELECT 1 FROM posted_replies p WHERE p.comment_id = NEW.comment_id)
        BEGIN
            SELECT RAISE(ABORT, 'comment already has a posted reply');
        END;
        """);

    /// <summary>
    /// timestamptz, date, bigint identities; comments → drafts is added once drafts exists (PostgreSQL checks a
    /// reference when the table is created); the trigger calls a PL/pgSQL function.
    /// </summary>
    public static SchemaDialect Postgres { get; } = new(
        "TIMESTAMPTZ", "DATE", "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY", "BIGINT", "",
        "\nALTER TABLE comments ADD CONSTRAINT fk_comments_current_draft FOREIGN KEY (current_draft_id) REFERENCES drafts (draft_id);", """
        CREATE FUNCTION fn_comments_no_repost() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.state = 'Posting' AND EXISTS (SELECT 1 FROM posted_replies p WHERE p.comment_id = NEW.comment_id) THEN
                RAISE EXCEPTION 'comment already has a posted reply';
            END IF;
            RETURN NEW;
        END $$;
        CREATE TRIGGER tr_comments_no_repost BEFORE UPDATE OF state ON comments
            FOR EACH ROW EXECUTE FUNCTION fn_comments_no_repost();
        """);
}
