namespace ShawBot.Engine.Generation;

/// <summary>
/// The values a prompt is rendered from, each one text the model must read as data (never as
/// template markers). Adding a slot is this record only: a property and its line in
/// <see cref="Values"/>; <see cref="PromptTemplate"/> fills and <see cref="ReplyPrompt"/> neutralises
/// every slot listed there.
/// </summary>
/// <param name="Comment">The viewer's comment, filled into {comment}.</param>
/// <param name="VideoTitle">{video_title}: the video's title (optional).</param>
/// <param name="VideoDescription">{video_description}: the first lines of its description (optional).</param>
/// <param name="CommentLanguage">{comment_language}: the comment's language, e.g. "German" (optional).</param>
public sealed record PromptSlots(string Comment, string? VideoTitle = null, string? VideoDescription = null, string? CommentLanguage = null)
{
    /// <summary>Voice memory's past replies to similar comments, filled into {examples} ("" = none; see Retrieval.VoiceMemory).</summary>
    public string Examples { get; init; } = "";

    /// <summary>
    /// Slots that may be absent: a template line that holds one without a value is left out whole, so an
    /// unknown title or language costs no tokens and leaves the reference layout unchanged.
    /// </summary>
    public static readonly IReadOnlySet<string> Optional = new HashSet<string>(StringComparer.Ordinal)
    {
        "{video_title}", "{video_description}", "{comment_language}",
    };

    /// <summary>Each slot's placeholder with its value ("" for an absent optional one).</summary>
    public IEnumerable<(string Placeholder, string Value)> Values()
    {
        yield return ("{video_title}", VideoTitle ?? "");
        yield return ("{video_description}", VideoDescription ?? "");
        yield return ("{comment_language}", CommentLanguage ?? "");
        yield return ("{comment}", Comment);
        yield return ("{examples}", Examples);
    }

    /// <summary>The same slots with <paramref name="transform"/> applied to every value present.</summary>
    public PromptSlots Map(Func<string, string> transform)
    {
        ArgumentNullException.ThrowIfNull(transform);
        return new PromptSlots(transform(Comment),
            VideoTitle is null ? null : transform(VideoTitle),
            VideoDescription is null ? null : transform(VideoDescription),
            CommentLanguage is null ? null : transform(CommentLanguage)) { Examples = transform(Examples) };
    }
}
