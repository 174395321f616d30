using System.Text.RegularExpressions;
using ShawBot.Engine.Tokenization;

namespace ShawBot.Engine.Generation;

/// <summary>A drafting prompt as token ids, and what building it had to do to the slot values.</summary>
/// <param name="Ids">BOS + the rendered prompt, at most the budget asked for.</param>
/// <param name="ContainedMarkers">A slot value held one of the template's markers (now neutralised): a possible prompt injection.</param>
/// <param name="Truncated">The prompt was longer than the budget; its start after BOS was dropped.</param>
public sealed record BuiltPrompt(int[] Ids, bool ContainedMarkers, bool Truncated);

/// <summary>
/// What the model sees, built in one place for drafting, regenerate, retrain samples,
/// <c>shawbot generate</c>, <c>shawbot eval</c> and training, so the adapter is trained on exactly
/// the prompts it drafts from. Steps, in order: screen (does a slot value contain a marker?),
/// neutralise those markers, render the template, encode, truncate.
/// The markers are the template's own: every <c>&lt;…&gt;</c> or <c>[…]</c> in its fixed text
/// (outside slots and instructions) plus the tokenizer's BOS, EOS and UNK pieces, so an edited
/// template (ChatML's <c>&lt;|im_start|&gt;</c>, Llama 3's <c>&lt;|eot_id|&gt;</c>) is protected
/// without a code change.
/// </summary>
public sealed class ReplyPrompt
{
    // A marker in the template's fixed text: an angle- or square-bracketed run without spaces.
    private static readonly Regex MarkerShape = new(@"<[^<>\s]{1,40}>|\[[^\[\]\s]{1,40}\]", RegexOptions.CultureInvariant);

    private readonly string[] _markers;   // longest first, so a marker inside a longer one cannot split it

    public ReplyPrompt(PromptTemplate template, ITokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(tokenizer);
        Template = template;
        Tokenizer = tokenizer;
        var markers = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (Match m in MarkerShape.Matches(template.LiteralText())) markers.Add(m.Value);
        foreach (int id in new[] { tokenizer.BosId, tokenizer.EosId, tokenizer.UnkId })
            if (id >= 0 && tokenizer.IdToToken(id) is { Length: > 1 } piece && !piece.Any(char.IsWhiteSpace)) markers.Add(piece);
        _markers = markers.OrderByDescending(m => m.Length).ThenBy(m => m, StringComparer.Ordinal).ToArray();
    }

    public PromptTemplate Template { get; }
    public ITokenizer Tokenizer { get; }

    /// <summary>The strings a slot value may not carry as is (longest first).</summary>
    public IReadOnlyList<string> Markers => _markers;

    /// <summary>Whether <paramref name="text"/> holds one of the template's markers (case-insensitive).</summary>
    public bool ContainsMarkers(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return _markers.Any(m => text.Contains(m, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// Replaces each marker with a look-alike the tokenizer reads as plain text
    /// (&lt; → ‹, &gt; → ›, [ → (, ] → )), so a comment can neither end the prompt early nor open a new turn.
    /// </summary>
    public string Neutralise(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (string m in _markers)
            if (text.Contains(m, StringComparison.OrdinalIgnoreCase))
                text = text.Replace(m, m.Replace('<', '‹').Replace('>', '›').Replace('[', '(').Replace(']', ')'), StringComparison.OrdinalIgnoreCase);
        return text;
    }

    /// <summary>
    /// The drafting prompt: neutralised slots, rendered up to {reply}, encoded with BOS. Longer than
    /// <paramref name="maxTokens"/> keeps BOS and the prompt's end (the comment's end and the
    /// template's closing marker), which is what the reply is conditioned on most.
    /// </summary>
    public BuiltPrompt Build(PromptSlots slots, int maxTokens)
    {
        ArgumentNullException.ThrowIfNull(slots);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTokens, 2);
        bool marked = slots.Values().Any(v => ContainsMarkers(v.Value));
        int[] ids = Template.EncodePrompt(Tokenizer, slots.Map(Neutralise));
        if (ids.Length <= maxTokens) return new BuiltPrompt(ids, marked, false);
        return new BuiltPrompt([ids[0], .. ids[^(maxTokens - 1)..]], marked, true);
    }

    /// <summary>
    /// A training example: the same neutralised prompt as <see cref="Build"/> followed by the reply
    /// (and EOS when the template ends with it); PromptLength ids are prompt. Not truncated: the
    /// dataset decides what to keep of a long example.
    /// </summary>
    public (int[] Ids, int PromptLength) BuildExample(PromptSlots slots, string reply)
    {
        ArgumentNullException.ThrowIfNull(slots);
        ArgumentNullException.ThrowIfNull(reply);
        return Template.EncodeExample(Tokenizer, slots.Map(Neutralise), reply);
    }
}
