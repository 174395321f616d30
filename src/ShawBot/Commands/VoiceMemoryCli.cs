using System.CommandLine;
using ShawBot.Core.Screening;
using ShawBot.Engine.Generation;
using ShawBot.Engine.Retrieval;
using ShawBot.Engine.Training;
using ShawBot.Infrastructure.Screening;

namespace ShawBot.Cli.Commands;

/// <summary>The voice-memory, data-split and comment-language options train, eval and generate share (defaults: the service's).</summary>
internal sealed class VoiceMemoryCli
{
    private const string LanguageSlot = "{comment_language}";
    private Func<string, string?>? _languageOf;
    private bool _languageLoaded;

    public Option<int> Count { get; } = new("--examples") { Description = "voice memory: past replies to similar comments shown in {examples} (0 = off; a template without {examples} is off too)", DefaultValueFactory = _ => new VoiceMemoryOptions().Count };
    public Option<int> Budget { get; } = new("--examples-budget") { Description = "voice memory: the examples block's size in tokens", DefaultValueFactory = _ => new VoiceMemoryOptions().TokenBudget };
    public Option<string> Split { get; } = new Option<string>("--split")
    {
        Description = "which lines of --data to use: all, train (every line but the held-out ones) or held-out (lines 10, 20, 30, …; see data/README.md)",
        DefaultValueFactory = _ => "all",
    }.AcceptOnlyFromAmong("all", "train", "held-out");

    public Option<string> CommentLanguage { get; } = new Option<string>("--comment-language")
    {
        Description = "fill the template's {comment_language} as the service does: auto (detect each comment's language with "
            + "ShawBot:Screening's detector and default languages, as drafting does; ~10 s to load) or off",
        DefaultValueFactory = _ => "auto",
    }.AcceptOnlyFromAmong("auto", "off");

    public IEnumerable<Option> All => [Count, Budget, Split, CommentLanguage];

    /// <summary>
    /// The examples of <paramref name="path"/>'s <paramref name="part"/>, each labelled with its comment's language
    /// when the template has {comment_language} and --comment-language is auto: the prompts drafting builds.
    /// </summary>
    public List<ReplyExample> Load(ParseResult pr, string path, DataPart part, PromptTemplate template) =>
        CommentLanguages.Label(HeldOutSplit.Load(path, part), LanguageOf(pr, template));

    /// <summary>The comment-language labeller (loaded once), or null when off or the template has no {comment_language}.</summary>
    public Func<string, string?>? LanguageOf(ParseResult pr, PromptTemplate template)
    {
        if (_languageLoaded) return _languageOf;
        _languageLoaded = true;
        if (pr.GetValue(CommentLanguage) != "auto" || !template.Template.Contains(LanguageSlot, StringComparison.Ordinal)) return null;
        var detector = new LinguaLanguageDetector(Microsoft.Extensions.Options.Options.Create(new ScreeningOptions()));
        detector.Loaded.GetAwaiter().GetResult();
        return _languageOf = text => detector.Detect(text)?.Name;
    }

    public VoiceMemoryOptions Options(ParseResult pr)
    {
        var o = new VoiceMemoryOptions { Count = pr.GetValue(Count), TokenBudget = pr.GetValue(Budget) };
        o.Validate();
        return o;
    }

    public DataPart Part(ParseResult pr) => pr.GetValue(Split) switch { "train" => DataPart.Train, "held-out" => DataPart.HeldOut, _ => DataPart.All };
}
