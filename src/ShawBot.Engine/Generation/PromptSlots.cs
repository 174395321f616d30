namespace ShawBot.Engine.Generation;

/// <summary>
/// The values a prompt is rendered from, each one text the model must read as data (never as
/// template markers). Adding a slot ({examples}, {video_title}, the comment's language) is this
/// record only: a property and its line in <see cref="Values"/>; <see cref="PromptTemplate"/>
/// fills and <see cref="ReplyPrompt"/> neutralises every slot listed there.
/// </summary>
/// <param name="Comment">The viewer's comment, filled into {comment}.</param>
public sealed record PromptSlots(string Comment)
{
    /// <summary>Voice memory's past replies to similar comments, filled into {examples} ("" = none; see Retrieval.VoiceMemory).</summary>
    public string Examples { get; init; } = "";

    /// <summary>Each slot's placeholder with its value.</summary>
    public IEnumerable<(string Placeholder, string Value)> Values()
    {
        yield return ("{comment}", Comment);
        yield return ("{examples}", Examples);
    }

    /// <summary>The same slots with <paramref name="transform"/> applied to every value.</summary>
    public PromptSlots Map(Func<string, string> transform)
    {
        ArgumentNullException.ThrowIfNull(transform);
        return this with { Comment = transform(Comment), Examples = transform(Examples) };
    }
}
