using System.ComponentModel.DataAnnotations;

namespace ShawBot.Core.Screening;

/// <summary>What happens to a comment that a screening reason applies to.</summary>
public enum ScreeningAction
{
    /// <summary>Draft it and show the reason on the card (page and Discord).</summary>
    Flag,

    /// <summary>Do not draft it: the comment is Skipped with the reason recorded (listed in the page's history).</summary>
    Skip,
}

/// <summary>Section "ShawBot:Screening": the checks run before drafting and on each draft, and what each one does.</summary>
public sealed class ScreeningOptions
{
    public const string Section = "ShawBot:Screening";

    /// <summary>The spam rules file; default prompts/screening.txt beside the executable (no spam rules when that is absent).</summary>
    public string? RulesPath { get; set; }

    /// <summary>A spam rule matched the comment.</summary>
    public ScreeningAction Spam { get; set; } = ScreeningAction.Flag;

    /// <summary>YouTube marked the comment heldForReview or likelySpam.</summary>
    public ScreeningAction YouTubeHeld { get; set; } = ScreeningAction.Flag;

    /// <summary>The comment looks like an attempt to instruct the model.</summary>
    public ScreeningAction PromptInjection { get; set; } = ScreeningAction.Flag;

    /// <summary>The draft is in another language than the comment.</summary>
    public ScreeningAction LanguageMismatch { get; set; } = ScreeningAction.Flag;

    /// <summary>Detect the comment's and the draft's language (tells the model the comment's language; flags mismatches).</summary>
    public bool DetectLanguage { get; set; } = true;

    /// <summary>ISO 639-1 codes the detector chooses among, comma-separated. Fewer languages load faster and confuse less.</summary>
    [Required(AllowEmptyStrings = false)]
    [RegularExpression(@"^\s*[a-zA-Z]{2}(\s*,\s*[a-zA-Z]{2})*\s*$", ErrorMessage = "ShawBot:Screening:Languages must be comma-separated ISO 639-1 codes, e.g. en,de,es")]
    public string Languages { get; set; } = "en,de,es,fr,it,pt,nl,ja";

    /// <summary>A language counts as detected only at this confidence or above (0–1); short texts often stay undetected.</summary>
    [Range(0.0, 1.0)]
    public double MinConfidence { get; set; } = 0.6;

    /// <summary>
    /// How long after the detector is built its models start loading (seconds of CPU on every core, see
    /// LinguaLanguageDetector): the first drafts after a start have the cores, go out "language not checked",
    /// and are checked once the models are in.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan LanguageLoadDelay { get; set; } = TimeSpan.FromSeconds(5);
}
