using System.Security.Cryptography;
using System.Text;
using ShawBot.Core.Domain;
using ShawBot.Engine.Training;

namespace ShawBot.Infrastructure.Retraining;

/// <summary>
/// One training pair with the id the split is keyed on (a comment id, or "seed:" + a hash of the seed comment),
/// and the prompt slots its draft had: the video title and the comment's language (<see cref="Screening.CommentLanguages"/>).
/// </summary>
public sealed record KeyedExample(string Id, string Comment, string Reply, bool Curated, string? VideoTitle = null, string? CommentLanguage = null);

/// <summary>
/// The data one retrain uses: curated examples (approved and edited replies; the store never
/// returns rejected drafts) plus the seed file, deduplicated, split deterministically by id.
/// </summary>
public sealed record RetrainDataset(
    IReadOnlyList<KeyedExample> Train,
    IReadOnlyList<KeyedExample> Eval,
    int CuratedCount,
    int SeedCount,
    string Hash)
{
    public int Count => Train.Count + Eval.Count;

    public IReadOnlyList<string> CuratedIds => [.. Train.Concat(Eval).Where(e => e.Curated).Select(e => e.Id).Order(StringComparer.Ordinal)];

    public static List<ReplyExample> ToReplyExamples(IEnumerable<KeyedExample> examples) => [.. examples.Select(e => new ReplyExample(e.Comment, e.Reply, e.VideoTitle, e.CommentLanguage))];

    /// <summary>
    /// Deduplicates and splits. A comment that appears more than once (by id, or by normalized
    /// text across the store and the seed file) keeps its latest curated reply; curated examples
    /// win over seed ones. A comment is in eval when the first 8 bytes of SHA-256("split:" + id),
    /// read as a number, fall below evalFraction of the range: the same id always lands on the same
    /// side, whatever else is in the set. <paramref name="languageOf"/> (when given) labels each example's
    /// comment language, as drafting's screening does; a seed line's own label is kept.
    /// </summary>
    public static RetrainDataset Build(IEnumerable<CuratedExample> curated, IEnumerable<ReplyExample> seed, double evalFraction,
        Func<string, string?>? languageOf = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(evalFraction, 0.0);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(evalFraction, 1.0);
        var byText = new Dictionary<string, KeyedExample>(StringComparer.Ordinal);
        var byId = new Dictionary<string, KeyedExample>(StringComparer.Ordinal);
        foreach (var c in curated.OrderBy(c => c.DecidedAt).ThenBy(c => c.CommentId, StringComparer.Ordinal))
        {
            if (string.IsNullOrWhiteSpace(c.Reply) || string.IsNullOrWhiteSpace(c.CommentText)) continue;
            if (byId.Remove(c.CommentId, out var older)) byText.Remove(Normalize(older.Comment));
            var e = new KeyedExample(c.CommentId, c.CommentText, c.Reply, Curated: true, c.VideoTitle, languageOf?.Invoke(c.CommentText));
            string key = Normalize(c.CommentText);
            if (byText.Remove(key, out var sameText)) byId.Remove(sameText.Id);
            byText[key] = e;
            byId[c.CommentId] = e;
        }

        int seedCount = 0;
        foreach (var s in seed)
        {
            if (string.IsNullOrWhiteSpace(s.Reply)) continue;
            string key = Normalize(s.Comment);
            if (byText.ContainsKey(key)) continue;               // curated, or an earlier seed line, wins
            byText[key] = new KeyedExample("seed:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..16], s.Comment, s.Reply, Curated: false,
                s.VideoTitle, s.CommentLanguage ?? languageOf?.Invoke(s.Comment));
            seedCount++;
        }

        var all = byText.Values.OrderBy(e => e.Id, StringComparer.Ordinal).ToList();
        ulong threshold = (ulong)(evalFraction * ulong.MaxValue);
        var train = new List<KeyedExample>();
        var eval = new List<KeyedExample>();
        foreach (var e in all) (SplitKey(e.Id) < threshold ? eval : train).Add(e);
        if (eval.Count == 0 && evalFraction > 0 && train.Count > 1)
        {
            // Too few examples for the fraction to pick any: hold out the one with the smallest key.
            var pick = train.MinBy(e => SplitKey(e.Id))!;
            train.Remove(pick);
            eval.Add(pick);
        }

        return new RetrainDataset(train, eval, all.Count(e => e.Curated), seedCount, HashOf(all));
    }

    internal static ulong SplitKey(string id) =>
        BitConverter.ToUInt64(SHA256.HashData(Encoding.UTF8.GetBytes("split:" + id)), 0);

    private static string Normalize(string comment) =>
        string.Join(' ', comment.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)).ToLowerInvariant();

    private static string HashOf(IEnumerable<KeyedExample> ordered)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var e in ordered)
        {
            foreach (var s in new[] { e.Id, e.Comment, e.Reply })
            {
                var bytes = Encoding.UTF8.GetBytes(s);
                sha.AppendData(BitConverter.GetBytes(bytes.Length));
                sha.AppendData(bytes);
            }
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}
