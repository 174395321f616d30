using System.Text.RegularExpressions;
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
public sealed partial class PromptTemplate
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

    /// <summary>
    /// The prompts folder: <paramref name="folder"/> when given, else ./prompts when it holds
    /// instructions.txt, else prompts/ beside the executable. Every caller (service, CLI) asks here.
    /// </summary>
    public static string Locate(string? folder)
    {
        if (!string.IsNullOrEmpty(folder)) return folder;
        string[] candidates = [Path.Combine(Environment.CurrentDirectory, "prompts"), Path.Combine(AppContext.BaseDirectory, "prompts")];
        foreach (string candidate in candidates)
            if (File.Exists(Path.Combine(candidate, InstructionsFile))) return candidate;
        throw new FileNotFoundException($"no prompts/{InstructionsFile} in {candidates[0]} or {candidates[1]}; pass the prompts folder (--prompts DIR or ShawBot:Engine:PromptsPath)");
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

    /// <summary>
    /// The text before {reply} with every slot filled in (each value as given: callers neutralise first).
    /// A line holding an optional slot without a value is left out whole. All placeholders are replaced
    /// in one pass, so a value that contains "{video_title}" or "{comment}" stays text.
    /// </summary>
    private string Fill(PromptSlots slots)
    {
        var values = slots.Values().ToDictionary(v => v.Placeholder, v => v.Value, StringComparer.Ordinal);
        string text = _prefix;
        if (PromptSlots.Optional.Any(p => text.Contains(p, StringComparison.Ordinal)))
            text = string.Join('\n', text.Split('\n').Where(line =>
                !PromptSlots.Optional.Any(p => line.Contains(p, StringComparison.Ordinal) && string.IsNullOrWhiteSpace(values[p]))));
        return SlotPattern().Replace(text, m => values.TryGetValue(m.Value, out var v) ? v : m.Value);
    }

    [GeneratedRegex(@"\{[a-z_]+\}", RegexOptions.CultureInvariant)]
    private static partial Regex SlotPattern();

    /// <summary>The fixed text of the template: everything but the slot placeholders and the instructions (where its markers live).</summary>
    public string LiteralText()
    {
        string t = Template.Replace("{instructions}", " ", StringComparison.Ordinal).Replace("{reply}", " ", StringComparison.Ordinal);
        foreach (var (placeholder, _) in new PromptSlots("").Values()) t = t.Replace(placeholder, " ", StringComparison.Ordinal);
        return t;
    }

    /// <summary>The generation prompt text (without BOS).</summary>
    public string RenderPrompt(PromptSlots slots) => Fill(slots).TrimEnd('\n');

    /// <summary>The full training text (without BOS/EOS).</summary>
    public string RenderExample(PromptSlots slots, string reply) => Fill(slots) + reply + _suffix;

    /// <summary>Token ids of the generation prompt: BOS (per tokenizer config) + prompt. Text as given: <see cref="ReplyPrompt"/> neutralises and truncates.</summary>
    public int[] EncodePrompt(ITokenizer tokenizer, PromptSlots slots) => tokenizer.Encode(RenderPrompt(slots), addSpecial: true);

    /// <summary>
    /// Token ids of a training example and how many of them are prompt (their labels become −100
    /// when training on replies only). The prompt length is the common prefix of the prompt's and
    /// the example's encodings, so a merge across the boundary cannot misalign the labels.
    /// </summary>
    public (int[] Ids, int PromptLength) EncodeExample(ITokenizer tokenizer, PromptSlots slots, string reply)
    {
        var ids = new List<int>(tokenizer.Encode(RenderExample(slots, reply), addSpecial: true));
        if (_eosAfterReply && (ids.Count == 0 || ids[^1] != tokenizer.EosId)) ids.Add(tokenizer.EosId);
        int[] prompt = tokenizer.Encode(Fill(slots), addSpecial: true);
        int n = 0;
        while (n < prompt.Length && n < ids.Count && prompt[n] == ids[n]) n++;
        return (ids.ToArray(), n);
    }
}
