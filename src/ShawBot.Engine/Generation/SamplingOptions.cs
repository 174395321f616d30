namespace ShawBot.Engine.Generation;

/// <summary>
/// How to pick tokens. Temperature 0 means greedy (argmax); otherwise logits are divided by the
/// temperature, optionally cut to the top-k and to the smallest set with probability ≥ top-p, and
/// sampled with a seeded generator, so the same seed gives the same text.
/// </summary>
public sealed record SamplingOptions
{
    public float Temperature { get; init; }
    public int TopK { get; init; }
    public float TopP { get; init; } = 1f;
    /// <summary>CTRL-style penalty on tokens already in prompt or output: logit / p if positive, · p if negative. 1 = off.</summary>
    public float RepetitionPenalty { get; init; } = 1f;
    public int MaxNewTokens { get; init; } = 256;
    /// <summary>End-of-sequence is suppressed until this many tokens exist (transformers' min_new_tokens).</summary>
    public int MinNewTokens { get; init; }
    public ulong Seed { get; init; } = 42;
    /// <summary>Generation stops before any of these strings; the text returned excludes it.</summary>
    public IReadOnlyList<string> StopStrings { get; init; } = [];

    public static SamplingOptions Greedy { get; } = new();

    /// <summary>
    /// The repetition penalty a reply is drafted with, unless configured otherwise: the service's
    /// ShawBot:Engine:RepetitionPenalty and `shawbot generate --repetition-penalty` both default to it,
    /// so the CLI reproduces the service's drafts. (This record's own default stays 1 = off.)
    /// </summary>
    public const float DraftRepetitionPenalty = 1.1f;

    public void Validate()
    {
        if (float.IsNaN(Temperature) || Temperature < 0) throw new ArgumentOutOfRangeException(nameof(Temperature), Temperature, "temperature must be ≥ 0");
        if (TopK < 0) throw new ArgumentOutOfRangeException(nameof(TopK), TopK, "top-k must be ≥ 0 (0 = off)");
        if (!(TopP > 0 && TopP <= 1)) throw new ArgumentOutOfRangeException(nameof(TopP), TopP, "top-p must be in (0, 1]");
        if (!(RepetitionPenalty > 0)) throw new ArgumentOutOfRangeException(nameof(RepetitionPenalty), RepetitionPenalty, "repetition penalty must be > 0");
        if (MinNewTokens < 0 || MinNewTokens > MaxNewTokens) throw new ArgumentOutOfRangeException(nameof(MinNewTokens), MinNewTokens, "min new tokens must be in [0, max new tokens]");
        if (MaxNewTokens < 0) throw new ArgumentOutOfRangeException(nameof(MaxNewTokens), MaxNewTokens, "max new tokens must be ≥ 0");
    }

    public override string ToString() =>
        Temperature == 0 ? $"greedy, max {MaxNewTokens}, rep {RepetitionPenalty}"
            : $"T={Temperature}, top-k {TopK}, top-p {TopP}, rep {RepetitionPenalty}, seed {Seed}, max {MaxNewTokens}";
}
