using ShawBot.Core.Domain;
using ShawBot.Core.Options;
using ShawBot.Core.Ports;
using ShawBot.Core.Text;

namespace ShawBot.Core.Pipeline;

/// <summary>
/// A deterministic writer for tests and the demo: the same request always gives the same reply,
/// followed by chatter after the sign-off that the drafter must cut.
/// </summary>
public sealed class StubReplyWriter : IReplyWriter
{
    public const string ModelName = "stub";
    public const string AdapterVersion = "none";

    public static string ExpectedReply(ReplyRequest request, string signOff = DrafterOptions.DefaultSignOff)
    {
        ArgumentNullException.ThrowIfNull(request);
        var quote = ReplyText.Truncate(request.Text.ReplaceLineEndings(" "), 40);
        var video = request.VideoTitle is null ? "" : $" on \"{request.VideoTitle}\"";
        return $"Thanks {request.AuthorDisplayName}, glad you commented{video}: \"{quote}\" {signOff}";
    }

    public Task<ReplyDraft> WriteAsync(ReplyRequest request, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var text = ExpectedReply(request) + "\nUser: and more text the model should not have written";
        return Task.FromResult(new ReplyDraft(text, ModelName, AdapterVersion, SamplingSettings.Greedy));
    }
}
