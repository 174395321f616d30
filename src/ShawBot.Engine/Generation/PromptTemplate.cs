using ShawBot.Engine.Tokenization;

namespace ShawBot.Engine.Generation;

/// <summary>
/// The prompt layout, kept as files the user edits (prompts/instructions.txt and
/// prompts/template.txt). The template holds {instructions}, {comment} and {reply}; a leading
/// "&lt;s&gt;" stands for BOS (added once by the tokenizer, never by text) and a trailing "&lt;/s&gt;" for EOS.
/// Training renders the whole template; generation renders the part before {reply}, less its
/// trailing newlines, so the default gives
/// <c>&lt;s&gt;[INST] {instructions} \n{comment} \n[/INST]</c> and <c>…[/INST]\n{reply}&lt;/s&gt;</c>.
/// Optional slots before {reply} ({video_title}, {video_description}, {comment_language}) are filled from
/// <see cref="PromptSlots"/>; a line holding a slot with no value is left out whole, so an absent slot or
/// an unknown value costs nothing.
/// </summary>
public sealed class PromptTemplate
{
    public const string InstructionsFile = "instructions.txt";
    public const string TemplateFile = "template.txt";
    /// <summary>
    /// The reference fine-tune's layout plus two optional lines (video title, comment language); without
    /// their values it renders exactly <c>&lt;s&gt;[INST] {instructions} \n{comment} \n[/INST]\n{reply}&lt;/s&gt;</c>.
    /// </summary>
    public const string DefaultTemplate =
        "<s>[INST] {instructions} \nVideo: {video_title}\nThe comment is in {comment_language}; reply in {comment_language}.\n{comment} \n[/INST]\n{reply}</s>";
    private const string Bos = "<s>", Eos = "</s>";

    private readonly string _prefix;   // text before {reply}, with {instructions} filled in
    private readonly string _suffix;   // text after {reply}, less a trailing </s>
    private readonly bool _eosAfterReply;

    /// <summary>The optional slots and the <see cref="PromptSlots"/> value each one takes.</summary>
    public static readonly IReadOnlyList<(string Slot, Func<PromptSlots, string?> Value)> OptionalSlots =
    [
        ("{video_title}", s => s.VideoTitle),
        ("{video_description}", s => s.VideoDescription),
        ("{comment_language}", s => s.CommentLanguage),
    ];

    public string Instructions { get; }
    public string Template { get; }

    public PromptTemplate(string instructions, string template)
    {
        ArgumentNullException.ThrowIfNull(instructions);
        ArgumentNullException.ThrowIfNull(template);
        Instructions = instructions; Template = template;
        string t = template.StartsWith(Bos, StringComparison.Ordinal) ? template[Bos.Length..] : template;
        int r = t.IndexOf("{reply}", StringComparison.Ordinal);
        if (r < 0) throw new FormatException("prompt template has no {reply} placeholder");
        if (t.IndexOf("{comment}", StringComparison.Ordinal) is var ci && (ci < 0 || ci > r))
            throw new FormatException("prompt template needs {comment} before {reply}");
        _prefix = t[..r].Replace("{instructions}", instructions, StringComparison.Ordinal);
        string suffix = t[(r + "{reply}".Length)..];
        _eosAfterReply = suffix.EndsWith(Eos, StringComparison.Ordinal);
        _suffix = _eosAfterReply ? suffix[..^Eos.Length] : suffix;
    }

    /// <summary>Reads prompts/instructions.txt and prompts/template.txt (the default template when the latter is absent).</summary>
    public static PromptTemplate Load(string promptsDirectory)
    {
        string ip = Path.Combine(promptsDirectory, InstructionsFile), tp = Path.Combine(promptsDirectory, TemplateFile);
        if (!File.Exists(ip)) throw new FileNotFoundException($"prompt instructions not found: {ip}", ip);
        string instructions = File.ReadAllText(ip).TrimEnd('\r', '\n');
        string template = File.Exists(tp) ? File.ReadAllText(tp).TrimEnd('\r', '\n') : DefaultTemplate;
        try { return new PromptTemplate(instructions, template); }
        catch (FormatException e) { throw new FormatException($"{tp}: {e.Message}", e); }
    }

    /// <summary>The generation prompt text (without BOS).</summary>
    public string RenderPrompt(string comment) => RenderPrompt(comment, PromptSlots.None);

    // ── Optional slots (issue 14: video title, comment language) ─────────────────────────────────────
    // The lead moves this into the shared prompt builder on merge: slots are filled before {comment},
    // so a comment that contains "{video_title}" stays text.

    /// <summary>The generation prompt text (without BOS) with the optional slots filled from <paramref name="slots"/>.</summary>
    public string RenderPrompt(string comment, PromptSlots slots) =>
        FillSlots(_prefix, slots).Replace("{comment}", comment, StringComparison.Ordinal).TrimEnd('\n');

    /// <summary>Token ids of the generation prompt with the optional slots filled.</summary>
    public int[] EncodePrompt(ITokenizer tokenizer, string comment, PromptSlots slots) => tokenizer.Encode(RenderPrompt(comment, slots), addSpecial: true);

    /// <summary>Replaces each optional slot; drops every line that holds a slot without a value.</summary>
    private static string FillSlots(string text, PromptSlots slots)
    {
        ArgumentNullException.ThrowIfNull(slots);
        if (!OptionalSlots.Any(o => text.Contains(o.Slot, StringComparison.Ordinal)))
        {
            return text;
        }

        var lines = new List<string>();
        foreach (var line in text.Split('\n'))
        {
            var filled = line;
            var keep = true;
            foreach (var (slot, value) in OptionalSlots)
            {
                if (filled.Contains(slot, StringComparison.Ordinal))
                {
                    var v = value(slots);
                    keep &= !string.IsNullOrWhiteSpace(v);
                    filled = filled.Replace(slot, v, StringComparison.Ordinal);
                }
            }

            if (keep)
            {
                lines.Add(filled);
            }
        }

        return string.Join('\n', lines);
    }
    // ── end of optional slots ───────────────────────────────────────────────────────────────────────

    /// <summary>The full training text (without BOS/EOS).</summary>
    public string RenderExample(string comment, string reply)
        => FillSlots(_prefix, PromptSlots.None).Replace("{comment}", comment, StringComparison.Ordinal) + reply + _suffix;

    /// <summary>Token ids of the generation prompt: BOS (per tokenizer config) + prompt.</summary>
    public int[] EncodePrompt(ITokenizer tokenizer, string comment) => tokenizer.Encode(RenderPrompt(comment), addSpecial: true);

    /// <summary>
    /// Token ids of a training example and how many of them are prompt (their labels become −100
    /// when training on replies only). The prompt length is the common prefix of the prompt's and
    /// the example's encodings, so a merge across the boundary cannot misalign the labels.
    /// </summary>
    public (int[] Ids, int PromptLength) EncodeExample(ITokenizer tokenizer, string comment, string reply)
    {
        var ids = new List<int>(tokenizer.Encode(RenderExample(comment, reply), addSpecial: true));
        if (_eosAfterReply && (ids.Count == 0 || ids[^1] != tokenizer.EosId)) ids.Add(tokenizer.EosId);
        int[] prompt = tokenizer.Encode(FillSlots(_prefix, PromptSlots.None).Replace("{comment}", comment, StringComparison.Ordinal), addSpecial: true);
        int n = 0;
        while (n < prompt.Length && n < ids.Count && prompt[n] == ids[n]) n++;
        return (ids.ToArray(), n);
    }
}

/// <summary>Values of the template's optional slots; null or blank leaves the slot's line out.</summary>
public sealed record PromptSlots(string? VideoTitle = null, string? VideoDescription = null, string? CommentLanguage = null)
{
    public static PromptSlots None { get; } = new();
}
