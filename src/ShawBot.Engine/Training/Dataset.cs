using System.Text.Json;
using ShawBot.Engine.Generation;
using ShawBot.Engine.Kernels;
using ShawBot.Engine.Lora;
using ShawBot.Engine.Retrieval;
using ShawBot.Engine.Tokenization;

namespace ShawBot.Engine.Training;

/// <summary>
/// One curated comment → reply pair, with the video title its draft was prompted with and the comment's
/// language as drafting's screening detects it (each when known).
/// </summary>
public sealed record ReplyExample(string Comment, string Reply, string? VideoTitle = null, string? CommentLanguage = null)
{
    /// <summary>The prompt slots of this example: the same ones drafting fills for its comment.</summary>
    public PromptSlots Slots() => new(Comment, VideoTitle, null, CommentLanguage);
}

/// <summary>An example as tokens; the first PromptLength of them are prompt.</summary>
public sealed record EncodedExample(int[] Ids, int PromptLength);

/// <summary>A padded batch: tokens and labels [B, T], labels −100 where the loss is not taken.</summary>
public sealed record Batch(int[] Tokens, int[] Labels, int B, int T)
{
    public int LabelledTokens => Labels.Count(l => l != CrossEntropy.IgnoreIndex);
}

public static class ReplyDataset
{
    /// <summary>Reads JSONL of {"comment", "reply"}; a bad line throws naming the file and line.</summary>
    public static List<ReplyExample> LoadJsonl(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"dataset not found: {path}", path);
        var list = new List<ReplyExample>();
        int lineNo = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                using var doc = JsonDocument.Parse(line);
                var root = doc.RootElement;
                if (root.ValueKind != JsonValueKind.Object) throw new InvalidDataException("not a JSON object");
                string comment = root.TryGetProperty("comment", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString()! : throw new InvalidDataException("\"comment\" missing or not a string");
                string reply = root.TryGetProperty("reply", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString()! : throw new InvalidDataException("\"reply\" missing or not a string");
                if (reply.Trim().Length == 0) throw new InvalidDataException("\"reply\" is empty");
                list.Add(new ReplyExample(comment, reply));
            }
            catch (Exception e) when (e is JsonException or InvalidDataException)
            {
                throw new InvalidDataException($"{path}:{lineNo}: {e.Message}", e);
            }
        }
        if (list.Count == 0) throw new InvalidDataException($"{path}: no examples");
        return list;
    }

    /// <summary>Deterministic split by a stable hash of the comment: the same comment always lands on the same side.</summary>
    public static (List<ReplyExample> Train, List<ReplyExample> Eval) Split(IReadOnlyList<ReplyExample> all, double evalFraction)
    {
        var train = new List<ReplyExample>(); var eval = new List<ReplyExample>();
        foreach (var e in all)
        {
            ulong h = 14695981039346656037UL;   // FNV-1a over UTF-16 units
            foreach (char ch in e.Comment) { h ^= ch; h *= 1099511628211UL; }
            (SplitMix.Mix(h) % 10_000 < (ulong)(evalFraction * 10_000) ? eval : train).Add(e);
        }
        if (eval.Count == 0 && evalFraction > 0 && train.Count > 1) { eval.Add(train[^1]); train.RemoveAt(train.Count - 1); }
        return (train, eval);
    }

    /// <inheritdoc cref="Encode(ReplyExample, ReplyPrompt, int)"/>
    public static EncodedExample Encode(ReplyExample e, PromptTemplate template, ITokenizer tokenizer, int maxLength)
        => Encode(e, new ReplyPrompt(template, tokenizer), maxLength);

    /// <summary>
    /// The example as <see cref="ReplyPrompt"/> builds it (the drafting prompt, then the reply);
    /// longer than maxLength keeps the whole reply (up to maxLength − 16 tokens) and the end of the
    /// prompt, where the template's closing marker sits, dropping the prompt's start after BOS.
    /// </summary>
    /// <param name="memory">Voice memory whose examples fill {examples} (leave-one-out); null: none.</param>
    public static EncodedExample Encode(ReplyExample e, ReplyPrompt prompt, int maxLength, VoiceMemory? memory = null)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(prompt);
        var (ids, promptLength) = prompt.BuildExample(VoiceMemory.Slots(memory, e.Slots()), e.Reply);
        if (ids.Length <= maxLength) return new EncodedExample(ids, promptLength);
        int reply = Math.Min(ids.Length - promptLength, maxLength - 16);
        int keepPrompt = maxLength - reply;                       // includes BOS
        var cut = new int[maxLength];
        cut[0] = ids[0];
        Array.Copy(ids, promptLength - (keepPrompt - 1), cut, 1, keepPrompt - 1);
        Array.Copy(ids, promptLength, cut, keepPrompt, reply);
        return new EncodedExample(cut, keepPrompt);
    }

    /// <summary>Right-pads to the longest example; labels are the ids, −100 on padding and (unless trainOnPrompt) on the prompt.</summary>
    public static Batch Collate(IReadOnlyList<EncodedExample> examples, int padId, bool trainOnPrompt)
    {
        int b = examples.Count, t = examples.Max(x => x.Ids.Length);
        var tokens = new int[b * t]; var labels = new int[b * t];
        Array.Fill(tokens, padId); Array.Fill(labels, CrossEntropy.IgnoreIndex);
        for (int i = 0; i < b; i++)
        {
            var ex = examples[i];
            ex.Ids.CopyTo(tokens, i * t);
            for (int j = trainOnPrompt ? 0 : ex.PromptLength; j < ex.Ids.Length; j++) labels[i * t + j] = ex.Ids[j];
        }
        return new Batch(tokens, labels, b, t);
    }
}
