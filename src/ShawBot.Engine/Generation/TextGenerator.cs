using ShawBot.Engine.Kernels;
using System.Diagnostics;
using ShawBot.Engine.Model;
using ShawBot.Engine.Tokenization;

namespace ShawBot.Engine.Generation;

public enum StopReason { EndOfSequence, StopString, MaxTokens, ContextFull, Cancelled }

/// <summary>What a generation produced, with its timings.</summary>
/// <param name="Text">the generated text, without the stop string it ended at.</param>
/// <param name="Stop">the stop string generation ended at (StopReason.StopString), else null.</param>
/// <param name="CachedPromptTokens">leading prompt tokens whose keys and values were still in the cache from the previous generation (not computed again).</param>
public sealed record GenerationResult(string Text, int[] Tokens, int PromptTokens, StopReason StopReason, TimeSpan PrefillTime, TimeSpan DecodeTime,
    string? Stop = null, int CachedPromptTokens = 0)
{
    /// <summary>
    /// The text with the stop string it ended at put back after one space ("… see you –ShawGPT"),
    /// for stop strings that are a signature rather than a separator; Text when it ended otherwise.
    /// </summary>
    public string TextWithStop => Stop is null ? Text : Text.TrimEnd() + " " + Stop;

    public double PrefillTokensPerSecond => (PromptTokens - CachedPromptTokens) / Math.Max(PrefillTime.TotalSeconds, 1e-9);
    public double DecodeTokensPerSecond => Tokens.Length / Math.Max(DecodeTime.TotalSeconds, 1e-9);
}

/// <summary>
/// KV-cached generation: prefill the prompt, then one token at a time, streaming text as soon as it
/// is complete (never half a UTF-8 character, never the start of a stop string that may still
/// match). One generation at a time per instance; the session and buffers are reused.
/// Prompts that start like the previous one (every draft starts with the same instructions) reuse
/// the keys and values of that shared prefix when the adapter is the same object: only the rest of
/// the prompt is prefilled.
/// </summary>
public sealed class TextGenerator
{
    private readonly LlamaModel _model;
    private readonly ITokenizer _tokenizer;
    private readonly InferenceSession _session;
    private readonly float[] _logits;
    private readonly SemaphoreSlim _busy = new(1, 1);
    private readonly List<int> _cached = [];   // the tokens whose keys/values sit at positions 0 … Count-1
    private ILoraDelta? _cachedLora;

    /// <param name="kernels">Exact (the default: golden tests, retrain evaluation) or Fast (int8 fast path; the service and `generate`).</param>
    public TextGenerator(LlamaModel model, ITokenizer tokenizer, int contextTokens = 2048, KernelMode kernels = KernelMode.Exact)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        _tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));
        _session = new InferenceSession(model, Math.Min(contextTokens, model.Rope.MaxPositions), kernels: kernels);
        _logits = new float[model.Config.VocabSize];
    }

    public LlamaModel Model => _model;

    /// <summary>
    /// Drops the cached prompt prefix. The cache assumes the model's weights and the adapter's
    /// values do not change between generations; call this after changing them in place
    /// (<see cref="Lora.LoraMerge.MergeInto"/>, training the adapter object that is passed).
    /// </summary>
    public void ForgetCachedPrompt()
    {
        _busy.Wait();
        try { _cached.Clear(); _cachedLora = null; _session.Reset(); }
        finally { _busy.Release(); }
    }
    public ITokenizer Tokenizer => _tokenizer;
    public int ContextTokens => _session.MaxTokens;

    public GenerationResult Generate(IReadOnlyList<int> prompt, SamplingOptions options, ILoraDelta? lora = null,
        Action<string>? onText = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (prompt.Count == 0) throw new ArgumentException("the prompt has no tokens", nameof(prompt));
        if (prompt.Count >= _session.MaxTokens)
            throw new ArgumentException($"the prompt has {prompt.Count} tokens; the context holds {_session.MaxTokens}", nameof(prompt));
        _busy.Wait(cancellationToken);
        try { return Run(prompt, options, lora, onText, cancellationToken); }
        finally { _busy.Release(); }
    }

    private GenerationResult Run(IReadOnlyList<int> prompt, SamplingOptions o, ILoraDelta? lora, Action<string>? onText, CancellationToken ct)
    {
        var sampler = new Sampler(o, _model.Config.VocabSize);
        var seen = new HashSet<int>(prompt);
        var output = new List<int>();
        var decoder = _tokenizer.CreateIncrementalDecoder(skipSpecial: true);
        var text = new System.Text.StringBuilder();
        int emitted = 0, maxStop = o.StopStrings.Count == 0 ? 0 : o.StopStrings.Max(s => s.Length);
        var eos = new HashSet<int>(_model.Config.EosTokenIds) { _tokenizer.EosId };

        // Reuse the longest shared prefix (at least one prompt token is run, for its logits).
        int reuse = 0;
        if (ReferenceEquals(lora, _cachedLora))
        {
            int max = Math.Min(Math.Min(_cached.Count, _session.Position), prompt.Count - 1);
            while (reuse < max && _cached[reuse] == prompt[reuse]) reuse++;
        }
        _session.Truncate(reuse);
        _cached.RemoveRange(reuse, _cached.Count - reuse);
        _cachedLora = lora;
        var sw = Stopwatch.StartNew();
        int[] rest = new int[prompt.Count - reuse];
        for (int i = 0; i < rest.Length; i++) rest[i] = prompt[reuse + i];
        _session.Forward(rest, _logits, false, lora);
        _cached.AddRange(rest);
        TimeSpan prefill = sw.Elapsed;
        sw.Restart();
        StopReason reason = StopReason.MaxTokens;
        int cut = -1;
        string? stop = null;
        for (int step = 0; step < o.MaxNewTokens; step++)
        {
            if (ct.IsCancellationRequested) { reason = StopReason.Cancelled; break; }
            // Models may pad the embedding past the tokenizer's vocabulary: never pick an id it cannot decode.
            if (_tokenizer.VocabSize < _logits.Length) _logits.AsSpan(_tokenizer.VocabSize).Fill(float.NegativeInfinity);
            if (step < o.MinNewTokens)
                foreach (int id in eos) if ((uint)id < (uint)_logits.Length) _logits[id] = float.NegativeInfinity;
            int next = sampler.Next(_logits, seen);
            if (eos.Contains(next)) { reason = StopReason.EndOfSequence; break; }
            output.Add(next); seen.Add(next);
            text.Append(decoder.Push(next));
            if (maxStop > 0 && (cut = FindStop(text, o.StopStrings, Math.Max(0, emitted - maxStop), out stop)) >= 0)
            {
                reason = StopReason.StopString; break;
            }
            // Hold back the tail that could still grow into a stop string.
            int safe = text.Length - HeldBack(text, o.StopStrings);
            if (safe > emitted) { onText?.Invoke(text.ToString(emitted, safe - emitted)); emitted = safe; }
            if (_session.Position >= _session.MaxTokens) { reason = StopReason.ContextFull; break; }
            _session.Forward([next], _logits, false, lora);
            _cached.Add(next);
        }
        if (reason != StopReason.StopString) text.Append(decoder.Flush());
        string final = cut >= 0 ? text.ToString(0, cut) : text.ToString();
        if (final.Length > emitted) onText?.Invoke(final[emitted..]);
        return new GenerationResult(final, output.ToArray(), prompt.Count, reason, prefill, sw.Elapsed, reason == StopReason.StopString ? stop : null, reuse);
    }

    /// <summary>Position of the earliest stop string in text[from..] (and which one), or -1.</summary>
    private static int FindStop(System.Text.StringBuilder text, IReadOnlyList<string> stops, int from, out string? which)
    {
        string s = text.ToString(from, text.Length - from);
        int best = -1;
        which = null;
        foreach (var stop in stops)
        {
            if (stop.Length == 0) continue;
            int i = s.IndexOf(stop, StringComparison.Ordinal);
            if (i >= 0 && (best < 0 || i < best)) { best = i; which = stop; }
        }
        return best < 0 ? -1 : from + best;
    }

    /// <summary>Length of the longest suffix of text that is a proper prefix of a stop string.</summary>
    private static int HeldBack(System.Text.StringBuilder text, IReadOnlyList<string> stops)
    {
        int held = 0;
        foreach (var stop in stops)
            for (int len = Math.Min(stop.Length - 1, text.Length); len > held; len--)
            {
                bool match = true;
                for (int i = 0; i < len && match; i++) match = text[text.Length - len + i] == stop[i];
                if (match) { held = len; break; }
            }
        return held;
    }
}
