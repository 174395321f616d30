using System.Collections.Concurrent;
using Lingua;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ShawBot.Core.Ports;
using ShawBot.Core.Screening;

namespace ShawBot.Infrastructure.Screening;

/// <summary>
/// <see cref="ILanguageDetector"/> with Lingua, built once for <see cref="ScreeningOptions.Languages"/> only. Lingua's
/// high-accuracy models (n-grams up to five, Brotli-compressed JSON under Lingua/LanguageModels beside the
/// assembly) are large: measured here, the seven default Latin-script languages take 5–11 s of one core and
/// ≈ 210 MB to load (Japanese is told by its script). So they load in the background, starting
/// <see cref="ScreeningOptions.LanguageLoadDelay"/> after the detector is built, and until then <see cref="Detect"/>
/// answers null at once: the first drafts after a start neither wait for nor compete with the load; they carry
/// <see cref="DraftScreening.LanguageNotChecked"/>, and the drafter checks them (and updates their cards) once the
/// models are in, from the store, so a restart in between loses no check. Low-accuracy mode loads in ≈ 1 s
/// and 10 MB but gives every short comment a confidence of 1.0, which makes the check useless on comments.
/// A text counts as detected when the top language's confidence reaches <see cref="ScreeningOptions.MinConfidence"/>.
/// </summary>
public sealed class LinguaLanguageDetector : ILanguageDetector
{
    /// <summary>Texts whose detection makes Lingua load every configured model: one per script.</summary>
    private static readonly string[] WarmUpTexts = ["the models load now", "日本語のテキスト", "Это текст", "هذا نص"];

    /// <summary>Texts with fewer letters than this are not guessed at ("ok", "👍").</summary>
    public const int MinLetters = 6;

    /// <summary>One load per language set and process: Lingua keeps the models in static memory shared by every detector.</summary>
    private static readonly ConcurrentDictionary<string, Lazy<Task>> WarmUps = new(StringComparer.Ordinal);

    private readonly LanguageDetector _detector;
    private readonly double _minConfidence;

    public LinguaLanguageDetector(IOptions<ScreeningOptions> options, ILogger<LinguaLanguageDetector>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Languages = ParseLanguages(options.Value.Languages);
        _minConfidence = options.Value.MinConfidence;
        _detector = LanguageDetectorBuilder.FromLanguages([.. Languages]).Build();
        Loaded = options.Value.DetectLanguage
            ? WarmUps.GetOrAdd(string.Join(',', Languages.Order()), _ => new Lazy<Task>(() => LoadAfterAsync(options.Value.LanguageLoadDelay))).Value
            : Task.CompletedTask;
        if (logger is not null)
        {
            // A model folder missing from a deployment leaves every draft "not checked": say why, once per detector.
            Loaded.ContinueWith(t => logger.LogError(t.Exception, "Lingua could not load its language models; drafts stay \"language not checked\""),
                CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }
    }

    public IReadOnlyList<Language> Languages { get; }

    public bool IsReady => Loaded.IsCompletedSuccessfully;

    /// <summary>Completes when the models are loaded (tests wait on it; the service never does).</summary>
    public Task Loaded { get; }

    /// <summary>
    /// Starts loading after <paramref name="delay"/> (<see cref="ScreeningOptions.LanguageLoadDelay"/>), so the first
    /// drafts after a start do not share the cores with it: Lingua loads the five n-gram sizes in a Parallel.ForEach,
    /// which takes every core for seconds, at normal priority (it cannot be niced from here: a pool thread created
    /// from a niced thread would keep nice 10 and later serve drafts at low priority).
    /// </summary>
    private async Task LoadAfterAsync(TimeSpan delay)
    {
        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay).ConfigureAwait(false);
        }

        await Task.Factory.StartNew(WarmUp, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);
    }

    private void WarmUp()
    {
        Thread.CurrentThread.Priority = ThreadPriority.BelowNormal; // where the OS honours it (Windows; Linux ignores it)
        foreach (var text in WarmUpTexts)
        {
            _detector.ComputeLanguageConfidenceValues(text);
        }
    }

    public DetectedLanguage? Detect(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!IsReady || text.Count(char.IsLetter) < MinLetters)
        {
            return null;
        }

        var (language, confidence) = _detector.ComputeLanguageConfidenceValues(text).FirstOrDefault();
        return confidence >= _minConfidence && confidence > 0
            ? new DetectedLanguage(LanguageInfo.IsoCode6391(language).ToString().ToLowerInvariant(), language.ToString())
            : null;
    }

    /// <summary>"en,de" → English, German; an unknown code throws naming the option and the code. Lingua needs two or more.</summary>
    public static IReadOnlyList<Language> ParseLanguages(string codes)
    {
        ArgumentNullException.ThrowIfNull(codes);
        var languages = new List<Language>();
        foreach (var code in codes.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Enum.TryParse<IsoCode6391>(code, ignoreCase: true, out var iso) || iso.ToString().Length != 2)
            {
                throw new OptionsValidationException(ScreeningOptions.Section, typeof(ScreeningOptions), [$"ShawBot:Screening:Languages: '{code}' is not an ISO 639-1 code Lingua knows"]);
            }

            languages.Add(LanguageInfo.GetByIsoCode6391(iso));
        }

        var distinct = languages.Distinct().ToList();
        if (distinct.Count < 2)
        {
            throw new OptionsValidationException(ScreeningOptions.Section, typeof(ScreeningOptions), ["ShawBot:Screening:Languages needs at least two languages"]);
        }

        return distinct;
    }
}
