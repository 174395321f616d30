namespace ShawBot.Infrastructure.Store.Postgres;

/// <summary>
/// The PostgreSQL schema as numbered migrations, the same numbers as the SQLite <see cref="Migrations"/>: step N
/// means the same change on both providers. Never edit a shipped step: add the next number to both lists.
/// Times are <c>timestamptz</c>, the quota day a <c>date</c>, ids <c>bigint</c> identities.
/// </summary>
internal static class PostgresMigrations
{
    public static IReadOnlyList<(int Version, string Name, string Sql)> All { get; } =
    [
        (1, "initial schema", """
            CREATE TABLE comments (
                comment_id          text PRIMARY KEY,
                thread_id           text NOT NULL,
                video_id            text NOT NULL,
                video_title         text,
                author_channel_id   text NOT NULL,
                author_display_name text NOT NULL,
                text                text NOT NULL,
                published_at        timestamptz NOT NULL,
                updated_at          timestamptz NOT NULL,
                state               text NOT NULL CHECK (state IN ('New','Drafting','AwaitingReview','Approved','Edited',
                                        'Rejected','Posting','Posted','PostFailed','Skipped')),
                state_reason        text,
                current_draft_id    bigint,
                draft_attempts      integer NOT NULL DEFAULT 0,
                post_attempts       integer NOT NULL DEFAULT 0,
                first_seen_at       timestamptz NOT NULL,
                state_changed_at    timestamptz NOT NULL
            );
            CREATE INDEX ix_comments_state ON comments (state, published_at);
            CREATE UNIQUE INDEX ux_comments_thread ON comments (thread_id);

            CREATE TABLE drafts (
                draft_id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                comment_id      text NOT NULL REFERENCES comments (comment_id),
                text            text NOT NULL,
                model_name      text NOT NULL,
                adapter_version text NOT NULL,
                sampling        text NOT NULL,
                created_at      timestamptz NOT NULL
            );
            CREATE INDEX ix_drafts_comment ON drafts (comment_id);
            ALTER TABLE comments ADD CONSTRAINT fk_comments_current_draft FOREIGN KEY (current_draft_id) REFERENCES drafts (draft_id);

            -- One decision per draft: a second button press cannot decide twice.
            CREATE TABLE decisions (
                decision_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                draft_id       bigint NOT NULL UNIQUE REFERENCES drafts (draft_id),
                comment_id     text NOT NULL REFERENCES comments (comment_id),
                kind           text NOT NULL CHECK (kind IN ('Approve','Edit','Reject','Regenerate')),
                moderator_id   text NOT NULL,
                moderator_name text NOT NULL,
                final_text     text,
                decided_at     timestamptz NOT NULL
            );

            -- One reply per comment, and a YouTube reply belongs to one comment.
            CREATE TABLE posted_replies (
                comment_id       text PRIMARY KEY REFERENCES comments (comment_id),
                youtube_reply_id text NOT NULL UNIQUE,
                text             text NOT NULL,
                posted_at        timestamptz NOT NULL
            );

            -- A posted comment can never go back to Posting.
            CREATE FUNCTION fn_comments_no_repost() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.state = 'Posting' AND EXISTS (SELECT 1 FROM posted_replies p WHERE p.comment_id = NEW.comment_id) THEN
                    RAISE EXCEPTION 'comment already has a posted reply';
                END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER tr_comments_no_repost BEFORE UPDATE OF state ON comments
                FOR EACH ROW EXECUTE FUNCTION fn_comments_no_repost();

            CREATE TABLE review_messages (
                comment_id text NOT NULL REFERENCES comments (comment_id),
                channel    text NOT NULL,
                reference  text NOT NULL,
                draft_id   bigint NOT NULL REFERENCES drafts (draft_id),
                updated_at timestamptz NOT NULL,
                PRIMARY KEY (comment_id, channel)
            );

            CREATE TABLE poll_cursors (
                name       text PRIMARY KEY,
                value      text NOT NULL,
                updated_at timestamptz NOT NULL
            );

            CREATE TABLE quota_ledger (
                entry_id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                quota_day  date NOT NULL,
                operation  text NOT NULL,
                units      integer NOT NULL CHECK (units > 0),
                charged_at timestamptz NOT NULL
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
        (2, "work leases", """
            ALTER TABLE comments ADD COLUMN claimed_by text;
            ALTER TABLE comments ADD COLUMN lease_until timestamptz;
            """),
    ];
}
