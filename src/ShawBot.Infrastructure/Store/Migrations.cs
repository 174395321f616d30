namespace ShawBot.Infrastructure.Store;

/// <summary>
/// The schema as numbered steps, each written for both providers: the SQLite and the PostgreSQL text of step N make
/// the same change. On start each store applies, in order and each in its own transaction, the steps not yet
/// recorded in its schema_migrations. Never edit a shipped step: append the next number with both texts.
/// </summary>
internal static class Migrations
{
    public static IReadOnlyList<(int Version, string Name, string Sqlite, string Postgres)> Steps { get; } =
    [
        (1, "initial schema", InitialSchema.Render(SchemaDialect.Sqlite), InitialSchema.Render(SchemaDialect.Postgres)),
        Both(2, "reply parts (Discord replies of several messages)", """
            -- One row per message of a reply: attempted before the POST, message id after it. A retry
            -- after an unknown outcome reads the platform's history from attempted_at on.
            CREATE TABLE reply_parts (
                comment_id   TEXT NOT NULL REFERENCES comments (comment_id),
                part         INTEGER NOT NULL CHECK (part >= 0),
                attempted_at {Time} NOT NULL,
                message_id   TEXT UNIQUE,
                sent_at      {Time},
                PRIMARY KEY (comment_id, part)
            );
            """),
        Both(3, "video catalog and screening", """
            -- videos.list results: fetched once per video; an empty title marks a video YouTube did not return.
            CREATE TABLE videos (
                video_id    TEXT PRIMARY KEY,
                title       TEXT NOT NULL,
                description TEXT,
                fetched_at  {Time} NOT NULL
            );

            -- YouTube's own moderationStatus (heldForReview, likelySpam) of a comment, for screening.
            CREATE TABLE comment_youtube_status (
                comment_id TEXT PRIMARY KEY REFERENCES comments (comment_id),
                status     TEXT NOT NULL
            );

            -- The screening flags shown with a draft, one per line.
            CREATE TABLE draft_flags (
                draft_id {Id} PRIMARY KEY REFERENCES drafts (draft_id),
                flags    TEXT NOT NULL
            );
            """),
        (4, "work leases",
            "ALTER TABLE comments ADD COLUMN claimed_by TEXT; ALTER TABLE comments ADD COLUMN lease_until TEXT;",
            "ALTER TABLE comments ADD COLUMN claimed_by text; ALTER TABLE comments ADD COLUMN lease_until timestamptz;"),
        Both(5, "comment source entry", """
            -- The ShawBot:Channels entry (which YouTube channel) a comment was read from; NULL for rows stored before:
            -- they belong to the default YouTube entry (ShawBot:Channel:ChannelId's).
            ALTER TABLE comments ADD COLUMN source_id TEXT;
            DROP VIEW curated_examples;
            CREATE VIEW curated_examples AS
            SELECT c.comment_id, c.text AS comment_text, c.video_title, d.final_text AS reply,
                   (d.kind = 'Edit') AS edited, d.moderator_id, d.moderator_name, d.decided_at, p.posted_at, c.source_id
            FROM posted_replies p
            JOIN comments c ON c.comment_id = p.comment_id
            JOIN decisions d ON d.draft_id = c.current_draft_id AND d.kind IN ('Approve','Edit');
            """),
        Both(6, "live adapter pointers", """
            -- The adapter each voice drafts with, shared by every instance on this store: '' is the global registry,
            -- otherwise a ShawBot:Channels entry id. version NULL: the bare base model. promotion_seq grows with each promotion.
            CREATE TABLE live_adapters (
                source_key  TEXT PRIMARY KEY,
                version     TEXT,
                path        TEXT,
                promotion_seq INTEGER NOT NULL,
                promoted_by TEXT NOT NULL,
                reason      TEXT NOT NULL,
                promoted_at {Time} NOT NULL
            );
            """),
    ];

    /// <summary>
    /// A step written once for both providers: {Time} is a time (TEXT in SQLite, timestamptz in PostgreSQL) and {Id}
    /// a draft id (INTEGER, bigint); the SQLite text is byte for byte the step SQLite databases were created with.
    /// </summary>
    private static (int Version, string Name, string Sqlite, string Postgres) Both(int version, string name, string template) =>
        (version, name,
         template.Replace("{Time}", "TEXT", StringComparison.Ordinal).Replace("{Id}", "INTEGER", StringComparison.Ordinal),
         template.Replace("{Time}", "timestamptz", StringComparison.Ordinal).Replace("{Id}", "bigint", StringComparison.Ordinal));

    /// <summary>The steps in SQLite's dialect.</summary>
    public static IReadOnlyList<(int Version, string Name, string Sql)> All { get; } = [.. Steps.Select(s => (s.Version, s.Name, s.Sqlite))];

    /// <summary>The steps in PostgreSQL's dialect.</summary>
    public static IReadOnlyList<(int Version, string Name, string Sql)> Postgres { get; } = [.. Steps.Select(s => (s.Version, s.Name, s.Postgres))];
}
