namespace ShawBot.Infrastructure.Store;

/// <summary>
/// The schema as numbered migrations, applied in order on start, each in its own transaction and
/// recorded in schema_migrations. Never edit a shipped migration: add the next number.
/// </summary>
internal static class Migrations
{
    public static IReadOnlyList<(int Version, string Name, string Sql)> All { get; } =
    [
        (1, "initial schema", """
            CREATE TABLE comments (
                comment_id          TEXT PRIMARY KEY,
                thread_id           TEXT NOT NULL,
                video_id            TEXT NOT NULL,
                video_title         TEXT,
                author_channel_id   TEXT NOT NULL,
                author_display_name TEXT NOT NULL,
                text                TEXT NOT NULL,
                published_at        TEXT NOT NULL,
                updated_at          TEXT NOT NULL,
                state               TEXT NOT NULL CHECK (state IN ('New','Drafting','AwaitingReview','Approved','Edited',
                                        'Rejected','Posting','Posted','PostFailed','Skipped')),
                state_reason        TEXT,
                current_draft_id    INTEGER REFERENCES drafts (draft_id),
                draft_attempts      INTEGER NOT NULL DEFAULT 0,
                post_attempts       INTEGER NOT NULL DEFAULT 0,
                first_seen_at       TEXT NOT NULL,
                state_changed_at    TEXT NOT NULL
            );
            CREATE INDEX ix_comments_state ON comments (state, published_at);
            CREATE UNIQUE INDEX ux_comments_thread ON comments (thread_id);

            CREATE TABLE drafts (
                draft_id        INTEGER PRIMARY KEY AUTOINCREMENT,
                comment_id      TEXT NOT NULL REFERENCES comments (comment_id),
                text            TEXT NOT NULL,
                model_name      TEXT NOT NULL,
                adapter_version TEXT NOT NULL,
                sampling        TEXT NOT NULL,
                created_at      TEXT NOT NULL
            );
            CREATE INDEX ix_drafts_comment ON drafts (comment_id);

            -- One decision per draft: a second button press cannot decide twice.
            CREATE TABLE decisions (
                decision_id    INTEGER PRIMARY KEY AUTOINCREMENT,
                draft_id       INTEGER NOT NULL UNIQUE REFERENCES drafts (draft_id),
                comment_id     TEXT NOT NULL REFERENCES comments (comment_id),
                kind           TEXT NOT NULL CHECK (kind IN ('Approve','Edit','Reject','Regenerate')),
                moderator_id   TEXT NOT NULL,
                moderator_name TEXT NOT NULL,
                final_text     TEXT,
                decided_at     TEXT NOT NULL
            );

            -- One reply per comment, and a YouTube reply belongs to one comment.
            CREATE TABLE posted_replies (
                comment_id       TEXT PRIMARY KEY REFERENCES comments (comment_id),
                youtube_reply_id TEXT NOT NULL UNIQUE,
                text             TEXT NOT NULL,
                posted_at        TEXT NOT NULL
            );

            -- A posted comment can never go back to Posting.
            CREATE TRIGGER tr_comments_no_repost BEFORE UPDATE OF state ON comments
            WHEN NEW.state = 'Posting' AND EXISTS (SELECT 1 FROM posted_replies p WHERE p.comment_id = NEW.comment_id)
            BEGIN
                SELECT RAISE(ABORT, 'comment already has a posted reply');
            END;

            CREATE TABLE review_messages (
                comment_id TEXT NOT NULL REFERENCES comments (comment_id),
                channel    TEXT NOT NULL,
                reference  TEXT NOT NULL,
                draft_id   INTEGER NOT NULL REFERENCES drafts (draft_id),
                updated_at TEXT NOT NULL,
                PRIMARY KEY (comment_id, channel)
            );

            CREATE TABLE poll_cursors (
                name       TEXT PRIMARY KEY,
                value      TEXT NOT NULL,
                updated_at TEXT NOT NULL
            );

            CREATE TABLE quota_ledger (
                entry_id   INTEGER PRIMARY KEY AUTOINCREMENT,
                quota_day  TEXT NOT NULL,
                operation  TEXT NOT NULL,
                units      INTEGER NOT NULL CHECK (units > 0),
                charged_at TEXT NOT NULL
            );
            CREATE INDEX ix_quota_ledger_day ON quota_ledger (quota_day);

            -- Training data: every posted reply with the decision that produced its text.
            CREATE VIEW curated_examples AS
            SELECT c.comment_id, c.text AS comment_text, c.video_title, d.final_text AS reply,
                   (d.kind = 'Edit') AS edited, d.moderator_id, d.moderator_name, d.decided_at, p.posted_at
            FROM posted_replies p
            JOIN comments c ON c.comment_id = p.comment_id
            JOIN decisions d ON d.draft_id = c.current_draft_id AND d.kind IN ('Approve','Edit');
            """),
        (2, "reply parts (Discord replies of several messages)", """
            -- One row per message of a reply: attempted before the POST, message id after it. A retry
            -- after an unknown outcome reads the platform's history from attempted_at on.
            CREATE TABLE reply_parts (
                comment_id   TEXT NOT NULL REFERENCES comments (comment_id),
                part         INTEGER NOT NULL CHECK (part >= 0),
                attempted_at TEXT NOT NULL,
                message_id   TEXT UNIQUE,
                sent_at      TEXT,
                PRIMARY KEY (comment_id, part)
            );
            """),
        (3, "video catalog and screening", """
            -- videos.list results: fetched once per video; an empty title marks a video YouTube did not return.
            CREATE TABLE videos (
                video_id    TEXT PRIMARY KEY,
                title       TEXT NOT NULL,
                description TEXT,
                fetched_at  TEXT NOT NULL
            );

            -- YouTube's own moderationStatus (heldForReview, likelySpam) of a comment, for screening.
            CREATE TABLE comment_youtube_status (
                comment_id TEXT PRIMARY KEY REFERENCES comments (comment_id),
                status     TEXT NOT NULL
            );

            -- The screening flags shown with a draft, one per line.
            CREATE TABLE draft_flags (
                draft_id INTEGER PRIMARY KEY REFERENCES drafts (draft_id),
                flags    TEXT NOT NULL
            );
            """),
    ];
}
