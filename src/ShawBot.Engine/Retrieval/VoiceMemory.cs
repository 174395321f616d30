using System.Text;
using ShawBot.Engine.Generation;

namespace ShawBot.Engine.Retrieval;

/// <summary>How many past replies voice memory shows the model, and how much room they may take.</summary>
public sealed record VoiceMemoryOptions
{
    /// <summary>At most this many examples (k); 0 turns the feature off.</summary>
    public int Count { get; init; } = 3;

    /// <summary>The examples block is at most this many tokens (counted as the block alone).</summary>
    public int TokenBudget { get; init; } = 320;

    public void Validate()
    {
        if (Count is < 0 or > 32) throw new ArgumentOutOfRangeException(nameof(Count), Count, "voice memory examples (k) must be in [0, 32]");
        if (TokenBudget is < 16 or > 8192) throw new ArgumentOutOfRangeException(nameof(TokenBudget), TokenBudget, "voice memory token budget must be in [16, 8192]");
    }
}

/// <summary>
/// Voice memory: the curated replies to the comments most like the new one (BM25 over the comments),
/// shown to the model through the template's {examples} slot. The same object builds drafting and
/// training prompts, so they never differ. Leave-one-out: a comment never retrieves an example whose
/// comment has the same words (<see cref="SameComment"/>) — itself when training on it, and its own
/// curated reply when drafting it again. A template without {examples} turns the feature off.
/// The block, each value neutralised by <see cref="ReplyPrompt.Neutralise"/> and its whitespace
/// collapsed, is
/// <code>
/// Replies to similar comments:
/// Comment: …
/// Reply: …
///
/// Comment: …
/// Reply: …
///
/// </code>
/// followed in the template by the new comment. Examples go in retrieval order (best first); one that
/// would push the block past the token budget is left out and the next one is tried.
/// </summary>
public sealed class VoiceMemory
{
    public const string Slot = "{examples}";
    public const string Header = "Replies to similar comments:\n";

    private readonly (string Comment, string Reply)[] _pool;
    private readonly string[] _keys;
    private readonly Bm25Index _index;
    private readonly ReplyPrompt _prompt;

    public VoiceMemory(IEnumerable<(string Comment, string Reply)> pool, ReplyPrompt prompt, VoiceMemoryOptions options)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _pool = [.. pool];
        _prompt = prompt;
        Options = options;
        _keys = [.. _pool.Select(p => Key(p.Comment))];
        _index = new Bm25Index(_pool.Select(p => p.Comment));
    }

    public VoiceMemoryOptions Options { get; }
    public int PoolSize => _pool.Length;

    /// <summary>The template has {examples} and k &gt; 0.</summary>
    public bool Enabled => Options.Count > 0 && _prompt.Template.Template.Contains(Slot, StringComparison.Ordinal);

    /// <summary>Whether two comments count as the same for leave-one-out: the same BM25 words (case, punctuation and emoji aside); wordless ones by trimmed text.</summary>
    public static bool SameComment(string a, string b) => Key(a) == Key(b);

    private static string Key(string comment)
    {
        string words = string.Join(' ', Bm25Index.Words(comment));
        return words.Length > 0 ? words : "\u0000" + comment.Trim();
    }

    /// <summary>The k most similar pool examples (best first), never one with the same comment.</summary>
    public IReadOnlyList<(string Comment, string Reply)> Retrieve(string comment)
    {
        ArgumentNullException.ThrowIfNull(comment);
        if (Options.Count == 0 || _pool.Length == 0) return [];
        string key = Key(comment);
        return [.. _index.Top(comment, Options.Count, d => _keys[d] == key).Select(t => _pool[t.Index])];
    }

    /// <summary>The {examples} text for a comment ("" when off or nothing similar was found).</summary>
    public string Block(string comment)
    {
        if (!Enabled) return "";
        var block = new StringBuilder();
        foreach (var (c, r) in Retrieve(comment))
        {
            string entry = $"Comment: {Flat(c)}\nReply: {Flat(r)}\n\n";
            string candidate = (block.Length == 0 ? Header : block.ToString()) + entry;
            if (_prompt.Tokenizer.Encode(candidate, addSpecial: false).Length > Options.TokenBudget) continue;
            if (block.Length == 0) block.Append(Header);
            block.Append(entry);
        }
        return block.ToString();
    }

    /// <summary>The slots of the prompt for <paramref name="comment"/>: the comment and its examples.</summary>
    public PromptSlots SlotsFor(PromptSlots slots) => slots with { Examples = Block(slots.Comment) };

    /// <summary>Slots with the examples of <paramref name="memory"/>, or the comment alone without one.</summary>
    public static PromptSlots Slots(VoiceMemory? memory, PromptSlots slots) => memory?.SlotsFor(slots) ?? slots;

    /// <summary>The comment alone (no title or language) with the examples of <paramref name="memory"/>.</summary>
    public static PromptSlots Slots(VoiceMemory? memory, string comment) => Slots(memory, new PromptSlots(comment));

    private string Flat(string text) => _prompt.Neutralise(string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)));
}
