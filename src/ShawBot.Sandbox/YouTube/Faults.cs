namespace ShawBot.Sandbox.YouTube;

/// <summary>What an injected fault does to a matching request.</summary>
public enum FaultKind
{
    /// <summary>500 backendError.</summary>
    ServerError,

    /// <summary>503 backendError.</summary>
    ServiceUnavailable,

    /// <summary>429 rateLimitExceeded.</summary>
    TooManyRequests,

    /// <summary>403 quotaExceeded (domain youtube.quota).</summary>
    QuotaExceeded,

    /// <summary>401 authError.</summary>
    Unauthorized,

    /// <summary>403 commentsDisabled.</summary>
    CommentsDisabled,

    /// <summary>403 forbidden.</summary>
    Forbidden,

    /// <summary>400 processingFailure.</summary>
    ProcessingFailure,

    /// <summary>Waits <see cref="SandboxFault.Delay"/>, then answers normally.</summary>
    Slow,

    /// <summary>Drops the connection before doing anything.</summary>
    Drop,

    /// <summary>Does the work (an insert takes effect), then drops the connection: an unknown outcome.</summary>
    DropAfterCommit,
}

/// <summary>Which API call a fault applies to.</summary>
public enum FaultTarget
{
    Any,

    /// <summary>commentThreads.list</summary>
    ListThreads,

    /// <summary>comments.list</summary>
    ListComments,

    /// <summary>comments.insert</summary>
    Insert,

    /// <summary>videos.list</summary>
    ListVideos,
}

/// <summary>A fault applied to the next <see cref="Count"/> matching requests (−1: until cleared).</summary>
public sealed record SandboxFault(FaultKind Kind, FaultTarget Target = FaultTarget.Any, int Count = 1, TimeSpan Delay = default);
