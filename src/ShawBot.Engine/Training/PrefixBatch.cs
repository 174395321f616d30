using ShawBot.Engine.Kernels;

namespace ShawBot.Engine.Training;

/// <summary>
/// A micro-batch laid out for shared-prefix training: the tokens that every example starts with
/// (PrefixLength of them, positions 0 … P−1) once, then each example's own tokens (positions
/// P … P + Sₑ − 1), packed without padding. Rows: [prefix | suffix 0 | suffix 1 | …].
/// Targets are already shifted (row r predicts the token after it; −100 where no loss is taken)
/// and are −100 on every prefix row: the prefix is chosen so that none of its rows carries a loss.
/// </summary>
public sealed record PrefixBatch(int PrefixLength, int[] Tokens, int[] Targets, int[] SuffixLengths)
{
    public int Rows => Tokens.Length;
    public int Examples => SuffixLengths.Length;
    public int LabelledTokens => Targets.Count(t => t != CrossEntropy.IgnoreIndex);
    /// <summary>Tokens the per-example computation would have run: Σₑ (P + Sₑ).</summary>
    public int UnsharedRows => PrefixLength * Examples + SuffixLengths.Sum();
    /// <summary>Longest example (P + max Sₑ): the attention length of the graph.</summary>
    public int LongestExample => PrefixLength + SuffixLengths.Max();
}

public static class PrefixCollation
{
    /// <summary>
    /// Packs examples for <see cref="TrainingGraph.Run(PrefixBatch, bool, float)"/>. With share, P is the
    /// longest common token prefix of the batch, cut so that (a) every example keeps at least one
    /// token of its own and (b) no prefix row has a target: row t predicts token t + 1, so
    /// P ≤ (first labelled index ≥ 1) − 1 for every example. Without share, P = 0 (the per-example
    /// computation, minus the padding).
    /// </summary>
    public static PrefixBatch Collate(IReadOnlyList<EncodedExample> examples, bool trainOnPrompt, bool share = true)
    {
        if (examples.Count == 0) throw new ArgumentException("an empty batch", nameof(examples));
        int p = share ? CommonPrefix(examples, trainOnPrompt) : 0;
        var lengths = examples.Select(e => e.Ids.Length - p).ToArray();
        int rows = p + lengths.Sum();
        var tokens = new int[rows]; var targets = new int[rows];
        Array.Fill(targets, CrossEntropy.IgnoreIndex);
        examples[0].Ids.AsSpan(0, p).CopyTo(tokens);
        int r = p;
        foreach (var e in examples)
        {
            int first = FirstLabelled(e, trainOnPrompt);
            for (int j = p; j < e.Ids.Length; j++, r++)
            {
                tokens[r] = e.Ids[j];
                if (j + 1 < e.Ids.Length && j + 1 >= first) targets[r] = e.Ids[j + 1];
            }
        }
        return new PrefixBatch(p, tokens, targets, lengths);
    }

    /// <summary>Index of the first token that is a label (targets are labels shifted by one, so index 0 never is).</summary>
    private static int FirstLabelled(EncodedExample e, bool trainOnPrompt) => trainOnPrompt ? 1 : Math.Max(1, e.PromptLength);

    private static int CommonPrefix(IReadOnlyList<EncodedExample> examples, bool trainOnPrompt)
    {
        int p = examples.Min(e => Math.Min(e.Ids.Length - 1, FirstLabelled(e, trainOnPrompt) - 1));
        var first = examples[0].Ids;
        foreach (var e in examples)
        {
            int k = 0;
            while (k < p && e.Ids[k] == first[k]) k++;
            p = k;
        }
        return Math.Max(0, p);
    }
}
