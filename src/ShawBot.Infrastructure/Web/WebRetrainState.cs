using ShawBot.Core.Ports;

namespace ShawBot.Infrastructure.Web;

/// <summary>The last retrain request made from the page, shown when the retrain job reports no progress of its own.</summary>
public sealed class WebRetrainState
{
    private RetrainRequestInfo? _last;

    public RetrainRequestInfo? Last => Volatile.Read(ref _last);

    public void Record(string requestedBy, AdminActionResult result, DateTimeOffset at) =>
        Volatile.Write(ref _last, new RetrainRequestInfo(requestedBy, result.Accepted, result.Message, at));
}

public sealed record RetrainRequestInfo(string RequestedBy, bool Accepted, string Message, DateTimeOffset At);
