using System.Net;
using Google;
using ShawBot.Core.Ports;

namespace ShawBot.Infrastructure.YouTube;

/// <summary>Maps what the Google client throws onto <see cref="ExternalServiceException"/> kinds.</summary>
public static class YouTubeErrors
{
    /// <summary>
    /// Classifies <paramref name="exception"/>. For a write (<paramref name="isWrite"/>), a 5xx or a network
    /// failure is an unknown outcome: the insert may have happened.
    /// Returns null for exceptions that are not about the call (e.g. the caller's cancellation).
    /// </summary>
    public static ExternalServiceException? Classify(Exception exception, bool isWrite, CancellationToken cancellationToken)
    {
        switch (exception)
        {
            case ExternalServiceException already:
                return already;
            case GoogleApiException api:
                {
                    var status = (int)api.HttpStatusCode;
                    var reason = api.Error?.Errors?.FirstOrDefault()?.Reason ?? status.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    var message = api.Error?.Message ?? api.Message;
                    var kind = reason switch
                    {
                        "quotaExceeded" or "dailyLimitExceeded" => ExternalErrorKind.QuotaExceeded,
                        "rateLimitExceeded" or "userRateLimitExceeded" => ExternalErrorKind.Transient,
                        _ when api.HttpStatusCode == HttpStatusCode.TooManyRequests => ExternalErrorKind.Transient,
                        _ when api.HttpStatusCode == HttpStatusCode.Unauthorized => ExternalErrorKind.Unauthorized,
                        _ when status >= 500 => isWrite ? ExternalErrorKind.UnknownOutcome : ExternalErrorKind.Transient,
                        _ => ExternalErrorKind.Permanent,
                    };
                    return new ExternalServiceException(kind, reason, status, message, api);
                }

            case OperationCanceledException when cancellationToken.IsCancellationRequested:
                return null;
            case HttpRequestException or OperationCanceledException or TimeoutException or IOException:
                // A timeout or a dropped connection: for a write we cannot know whether it landed.
                return new ExternalServiceException(
                    isWrite ? ExternalErrorKind.UnknownOutcome : ExternalErrorKind.Transient,
                    exception is OperationCanceledException or TimeoutException ? "timeout" : "networkError",
                    null,
                    exception.Message,
                    exception);
            default:
                return null;
        }
    }
}
