namespace ShawBot.Infrastructure.Store;

/// <summary>The column lists both stores read comments (alias c) and drafts (alias d) with, in reader order.</summary>
internal static class StoreColumns
{
    public const string CommentColumns = """
        c.comment_id, c.thread_id, c.video_id, c.video_title, c.author_channel_id, c.author_display_name, c.text,
        c.published_at, c.updated_at, c.state, c.state_reason, c.current_draft_id, c.draft_attempts, c.post_attempts, c.state_changed_at,
        c.source_id
        """;

    /// <summary>Where <see cref="DraftColumns"/> start when they follow <see cref="CommentColumns"/>.</summary>
    public const int DraftOffset = 16;

    /// <summary>Read from column <see cref="DraftOffset"/> on when following <see cref="CommentColumns"/>.</summary>
    public const string DraftColumns = "d.draft_id, d.comment_id, d.text, d.model_name, d.adapter_version, d.sampling, d.created_at";
}
