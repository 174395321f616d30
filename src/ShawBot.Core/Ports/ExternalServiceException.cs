namespace ShawBot.Core.Ports;

/// <summary>How the pipeline should treat a failed call to an outside service.</summary>
public enum ExternalErrorKind
{
    /// <summary>5xx, 429, timeouts before sending: retry with backoff.</summary>
    Transient,

    /// <summary>The request may or may not have taken effect (timeout, dropped connection after sending).</summary>
    UnknownOutcome,

    /// <summary>Daily quota is spent: pause until the reset.</summary>
    QuotaExceeded,

    /// <summary>401: credentials need attention; retry slowly.</summary>
    Unauthorized,

    /// <summary>Will fail again the same way (commentsDisabled, forbidden, processingFailure, 400, 404).</summary>
    Permanent,
}

/// <summary>A classified failure from an adapter (YouTube, Discord). Reason is the API's reason code.</summary>
public sealed class ExternalServiceException : Exception
{
    public ExternalServiceException(ExternalErrorKind kind, string reason, int? statusCode, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
        Reason = reason;
        StatusCode = statusCode;
    }

    public ExternalErrorKind Kind { get; }

    public string Reason { get; }

    public int? StatusCode { get; }
}
