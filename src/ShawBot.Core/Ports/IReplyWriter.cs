using ShawBot.Core.Domain;

namespace ShawBot.Core.Ports;

/// <summary>
/// Generates a reply. The implementation renders the prompt (prompts/ templates) itself; callers pass
/// the comment's fields. Must be safe to call with any text the screening lets through.
/// </summary>
public interface IReplyWriter
{
    Task<ReplyDraft> WriteAsync(ReplyRequest request, CancellationToken cancellationToken);
}
