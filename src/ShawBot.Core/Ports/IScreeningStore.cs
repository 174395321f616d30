namespace ShawBot.Core.Ports;

/// <summary>What screening records: YouTube's own status of a comment, and the flags shown with each draft.</summary>
public interface IScreeningStore
{
    /// <summary>Records YouTube's moderationStatus (heldForReview, likelySpam…) for the comment.</summary>
    Task SetYouTubeStatusAsync(string commentId, string status, CancellationToken cancellationToken);

    /// <summary>The status set by <see cref="SetYouTubeStatusAsync"/>, or null.</summary>
    Task<string?> GetYouTubeStatusAsync(string commentId, CancellationToken cancellationToken);

    /// <summary>Stores the screening flags of a draft (replacing earlier ones).</summary>
    Task SaveDraftFlagsAsync(long draftId, IReadOnlyList<string> flags, CancellationToken cancellationToken);

    /// <summary>The flags stored for the draft; null when none were stored (a draft older than screening).</summary>
    Task<IReadOnlyList<string>?> GetDraftFlagsAsync(long draftId, CancellationToken cancellationToken);
}

/// <summary>A detected language: ISO 639-1 code ("de") and English name ("German").</summary>
public sealed record DetectedLanguage(string IsoCode, string Name);

/// <summary>Tells which language a text is in, among a configured set; null when it cannot tell reliably.</summary>
public interface ILanguageDetector
{
    /// <summary>False while the detector's models still load; <see cref="Detect"/> answers null meanwhile (it never blocks).</summary>
    bool IsReady { get; }

    DetectedLanguage? Detect(string text);
}
