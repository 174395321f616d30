using System.Text;

namespace ShawBot.Engine.Retrieval;

/// <summary>
/// Okapi BM25 over short texts (YouTube comments), words split by <see cref="Words"/>. Written
/// here rather than taken from Lucene.Net: the corpus is a few thousand one-line comments held in
/// memory, the whole scorer is the formula below, and Lucene.Net 4.8 is still a beta that would
/// bring its analyzers, a directory abstraction and its own tokenization rules for ~40 lines of maths.
/// For document d and query q (query words counted once each):
///   score(q, d) = Σ_{w ∈ q} idf(w) · tf(w, d) · (k1 + 1) / (tf(w, d) + k1 · (1 − b + b · |d| / avgdl))
///   idf(w)      = ln(1 + (N − n(w) + 0.5) / (n(w) + 0.5))      (Lucene's form: never negative)
/// with N documents, n(w) of them holding w, |d| the document's word count, avgdl the mean |d|.
/// </summary>
public sealed class Bm25Index
{
    private readonly Dictionary<string, int>[] _tf;
    private readonly int[] _length;
    private readonly Dictionary<string, int> _df = new(StringComparer.Ordinal);
    private readonly double _avgdl;

    public Bm25Index(IEnumerable<string> documents, double k1 = 1.2, double b = 0.75)
    {
        ArgumentNullException.ThrowIfNull(documents);
        ArgumentOutOfRangeException.ThrowIfNegative(k1);
        if (b is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(b), b, "BM25 b must be in [0, 1]");
        K1 = k1; B = b;
        var tf = new List<Dictionary<string, int>>();
        foreach (string doc in documents)
        {
            var counts = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (string w in Words(doc)) counts[w] = counts.GetValueOrDefault(w) + 1;
            foreach (string w in counts.Keys) _df[w] = _df.GetValueOrDefault(w) + 1;
            tf.Add(counts);
        }
        _tf = [.. tf];
        _length = [.. _tf.Select(d => d.Values.Sum())];
        _avgdl = _length.Length == 0 ? 0 : Math.Max(_length.Average(), 1e-9);
    }

    public double K1 { get; }
    public double B { get; }
    public int Count => _tf.Length;

    /// <summary>
    /// Lower-cased (invariant culture) maximal runs of letters, digits and combining marks; every
    /// other character separates words. Tokenizer-agnostic and the same for every language the
    /// seed set holds (Latin, Cyrillic, CJK as runs; an emoji separates).
    /// </summary>
    public static IEnumerable<string> Words(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var word = new StringBuilder();
        foreach (Rune r in text.EnumerateRunes())
        {
            if (Rune.IsLetterOrDigit(r) || Rune.GetUnicodeCategory(r) is System.Globalization.UnicodeCategory.NonSpacingMark or System.Globalization.UnicodeCategory.SpacingCombiningMark)
            {
                word.Append(Rune.ToLowerInvariant(r).ToString());
                continue;
            }
            if (word.Length > 0) { yield return word.ToString(); word.Clear(); }
        }
        if (word.Length > 0) yield return word.ToString();
    }

    /// <summary>BM25 score of every document for <paramref name="query"/>.</summary>
    public double[] Scores(string query)
    {
        var scores = new double[_tf.Length];
        foreach (string w in Words(query).Distinct(StringComparer.Ordinal))
        {
            if (!_df.TryGetValue(w, out int n)) continue;
            double idf = Math.Log(1 + (_tf.Length - n + 0.5) / (n + 0.5));
            for (int d = 0; d < _tf.Length; d++)
            {
                if (!_tf[d].TryGetValue(w, out int f)) continue;
                scores[d] += idf * f * (K1 + 1) / (f + K1 * (1 - B + B * _length[d] / _avgdl));
            }
        }
        return scores;
    }

    /// <summary>
    /// Up to k documents with a positive score, best first (ties: the earlier document), skipping
    /// those <paramref name="exclude"/> rejects.
    /// </summary>
    public IReadOnlyList<(int Index, double Score)> Top(string query, int k, Func<int, bool>? exclude = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        double[] s = Scores(query);
        return [.. Enumerable.Range(0, s.Length)
            .Where(d => s[d] > 0 && !(exclude?.Invoke(d) ?? false))
            .OrderByDescending(d => s[d]).ThenBy(d => d)
            .Take(k)
            .Select(d => (d, s[d]))];
    }
}
