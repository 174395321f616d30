using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ShawBot.Core.Ports;
using ShawBot.Core.Text;

namespace ShawBot.Core.Screening;

/// <summary>What screening decided: a skip reason, or the flags to show with the draft.</summary>
/// <param name="SkipReason">Non-null when the comment is not drafted (the reason is recorded on the comment).</param>
/// <param name="Flags">Reasons shown on the card; never dropped silently.</param>
/// <param name="Language">The comment's language, when detected (told to the model).</param>
public sealed record ScreeningVerdict(string? SkipReason, IReadOnlyList<string> Flags, DetectedLanguage? Language);

/// <summary>
/// The screening before and after drafting, each reason a recorded flag (or, by <see cref="ScreeningOptions"/>,
/// a skip): spam rules, YouTube's own held/likely-spam status, the prompt-injection markers of
/// <see cref="CommentScreen"/>, and the language of the comment against the draft's.
/// </summary>
public sealed partial class DraftScreening
{
    public const string YouTubeHeldForReview = "held for review by YouTube";
    public const string YouTubeLikelySpam = "likely spam (YouTube)";

    /// <summary>Shown while the language models still load after a start: this draft's language was not checked.</summary>
    public const string LanguageNotChecked = "language not checked (detector still loading)";

    /// <summary>Starts every skip reason that screening records.</summary>
    public const string SkipPrefix = "screening: ";

    private readonly IOptionsMonitor<ScreeningOptions> _options;
    private readonly ILanguageDetector? _detector;
    private readonly Lazy<SpamRules> _rules;

    public DraftScreening(IOptionsMonitor<ScreeningOptions> options, ILogger<DraftScreening> logger, ILanguageDetector? detector = null)
    {
        _options = options;
        _detector = detector;
        _rules = new Lazy<SpamRules>(() => LoadRules(options.CurrentValue, logger));
    }

    public SpamRules Rules => _rules.Value;

    /// <summary>Screens a comment that <see cref="CommentScreen"/> let through, before it is drafted.</summary>
    public ScreeningVerdict BeforeDraft(ScreenedComment screened, string? youTubeStatus)
    {
        ArgumentNullException.ThrowIfNull(screened);
        var o = _options.CurrentValue;
        var flags = new List<string>();
        string? skip = null;
        void Apply(ScreeningAction action, string reason)
        {
            flags.Add(reason);
            if (action == ScreeningAction.Skip)
            {
                skip ??= SkipPrefix + reason;
            }
        }

        foreach (var flag in screened.Flags)
        {
            if (flag == CommentScreen.PossiblePromptInjection)
            {
                Apply(o.PromptInjection, flag);
            }
            else
            {
                flags.Add(flag);
            }
        }

        foreach (var spam in Rules.Match(screened.Text))
        {
            Apply(o.Spam, spam);
        }

        if (YouTubeReason(youTubeStatus) is { } held)
        {
            Apply(o.YouTubeHeld, held);
        }

        DetectedLanguage? language = null;
        if (o.DetectLanguage && _detector is not null)
        {
            if (_detector.IsReady)
            {
                language = _detector.Detect(screened.Text);
            }
            else
            {
                flags.Add(LanguageNotChecked);
            }
        }

        return new ScreeningVerdict(skip, flags, language);
    }

    /// <summary>Checks a finished draft: a draft in another language than the comment is flagged (or skipped).</summary>
    public ScreeningVerdict AfterDraft(string draftText, DetectedLanguage? commentLanguage, string signOff)
    {
        ArgumentNullException.ThrowIfNull(draftText);
        var o = _options.CurrentValue;
        if (!o.DetectLanguage || _detector is null || commentLanguage is null)
        {
            return new ScreeningVerdict(null, [], commentLanguage);
        }

        // The sign-off is the same in every language: leave it out of the guess.
        var body = string.IsNullOrEmpty(signOff) ? draftText : draftText.Replace(signOff, "", StringComparison.Ordinal);
        if (_detector.Detect(body) is not { } drafted || drafted.IsoCode == commentLanguage.IsoCode)
        {
            return new ScreeningVerdict(null, [], commentLanguage);
        }

        var reason = $"draft in {drafted.Name}, comment in {commentLanguage.Name}";
        return new ScreeningVerdict(o.LanguageMismatch == ScreeningAction.Skip ? SkipPrefix + reason : null, [reason], commentLanguage);
    }

    /// <summary>True when a draft flagged <see cref="LanguageNotChecked"/> can be checked now.</summary>
    public bool LanguageReady => _options.CurrentValue.DetectLanguage && _detector is { IsReady: true };

    /// <summary>
    /// The late language check of a draft made while the detector was loading: its flags without
    /// <see cref="LanguageNotChecked"/>, plus a mismatch flag when the draft's language differs (a late
    /// check only flags, whatever <see cref="ScreeningOptions.LanguageMismatch"/> says: the draft is already shown).
    /// </summary>
    public IReadOnlyList<string> RecheckLanguage(string commentText, string draftText, string signOff, IReadOnlyList<string> flags)
    {
        ArgumentNullException.ThrowIfNull(flags);
        var language = _detector?.Detect(commentText);
        return [.. flags.Where(f => f != LanguageNotChecked), .. AfterDraft(draftText, language, signOff).Flags];
    }

    /// <summary>The flag for YouTube's moderationStatus; null for published or unknown.</summary>
    public static string? YouTubeReason(string? moderationStatus) => moderationStatus switch
    {
        "heldForReview" => YouTubeHeldForReview,
        "likelySpam" => YouTubeLikelySpam,
        _ => null,
    };

    private static SpamRules LoadRules(ScreeningOptions options, ILogger logger)
    {
        if (options.RulesPath is { Length: > 0 } path)
        {
            if (!File.Exists(path))
            {
                throw new FileNotFoundException($"ShawBot:Screening:RulesPath '{path}' does not exist", path);
            }

            return SpamRules.Load(path);
        }

        var shipped = Path.Combine(AppContext.BaseDirectory, "prompts", "screening.txt");
        if (File.Exists(shipped))
        {
            return SpamRules.Load(shipped);
        }

        LogNoRules(logger, shipped);
        return SpamRules.None;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "No spam rules: {Path} is missing and ShawBot:Screening:RulesPath is not set")]
    private static partial void LogNoRules(ILogger logger, string path);
}
