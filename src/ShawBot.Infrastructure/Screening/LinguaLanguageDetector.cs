using Lingua;
using Microsoft.Extensions.Options;
using ShawBot.Core.Ports;
using ShawBot.Core.Screening;

namespace ShawBot.Infrastructure.Screening;

/// <summary>
/// <see cref="ILanguageDetector"/> with Lingua, built once for <see cref="ScreeningOptions.Languages"/> only: each
/// language model costs load time and memory (the models ship under Lingua/LanguageModels beside the
/// assembly and load lazily, on the first text that could be in that language). A text counts as detected
/// when the top language's confidence reaches <see cref="ScreeningOptions.MinConfidence"/>.
/// </summary>
public sealed class LinguaLanguageDetector : ILanguageDetector
{
    /// <summary>Texts with fewer letters than this are not guessed at ("ok", "👍").</summary>
    public const int MinLetters = 6;

    private readonly LanguageDetector _detector;
    private readonly double _minConfidence;

    public LinguaLanguageDetector(IOptions<ScreeningOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Languages = ParseLanguages(options.Value.Languages);
        _minConfidence = options.Value.MinConfidence;
        _detector = LanguageDetectorBuilder.FromLanguages([.. Languages]).Build();
    }

    public IReadOnlyList<Language> Languages { get; }

    public DetectedLanguage? Detect(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Count(char.IsLetter) < MinLetters)
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
