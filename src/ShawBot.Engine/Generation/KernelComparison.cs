using ShawBot.Engine.Kernels;
using ShawBot.Engine.Model;

namespace ShawBot.Engine.Generation;

/// <summary>What the fast kernels change on real text: reply-token loss under each kernel mode and how often their top-1 predictions agree.</summary>
/// <param name="Positions">reply tokens scored (each predicted from the tokens before it).</param>
/// <param name="LossExact">mean −log p(token) with <see cref="KernelMode.Exact"/>.</param>
/// <param name="LossFast">the same with <see cref="KernelMode.Fast"/>.</param>
/// <param name="Top1Agreement">fraction of positions whose argmax logit is the same token under both.</param>
public sealed record KernelComparisonResult(int Sequences, int Positions, double LossExact, double LossFast, double Top1Agreement);

public static class KernelComparison
{
    /// <summary>
    /// Runs every sequence through an exact and a fast <see cref="InferenceSession"/> (all logits, one
    /// prefill each) and scores positions t ≥ PromptLength: loss −log softmax(logits[t − 1])[ids[t]]
    /// (log-sum-exp in double), agreement argmax(exact[t − 1]) == argmax(fast[t − 1]).
    /// </summary>
    public static KernelComparisonResult Compare(LlamaModel model, IReadOnlyList<(int[] Ids, int PromptLength)> sequences, ILoraDelta? lora = null,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sequences);
        int v = model.Config.VocabSize;
        int maxLen = sequences.Count == 0 ? 1 : sequences.Max(s => s.Ids.Length);
        var exact = new InferenceSession(model, maxLen, kernels: KernelMode.Exact);
        var fast = new InferenceSession(model, maxLen, kernels: KernelMode.Fast);
        var le = new float[(long)maxLen * v];
        var lf = new float[(long)maxLen * v];
        int positions = 0, agree = 0;
        double lossE = 0, lossF = 0;
        foreach (var (ids, promptLength) in sequences)
        {
            ct.ThrowIfCancellationRequested();
            if (promptLength < 1 || promptLength > ids.Length)
                throw new ArgumentException($"prompt length {promptLength} outside [1, {ids.Length}]", nameof(sequences));
            exact.Reset(); fast.Reset();
            exact.Forward(ids, le, allLogits: true, lora);
            fast.Forward(ids, lf, allLogits: true, lora);
            for (int t = promptLength; t < ids.Length; t++)
            {
                var re = le.AsSpan((t - 1) * v, v);
                var rf = lf.AsSpan((t - 1) * v, v);
                lossE += NegLogSoftmax(re, ids[t]);
                lossF += NegLogSoftmax(rf, ids[t]);
                if (ArgMax(re) == ArgMax(rf)) agree++;
                positions++;
            }
        }
        return positions == 0 ? new KernelComparisonResult(sequences.Count, 0, double.NaN, double.NaN, double.NaN)
            : new KernelComparisonResult(sequences.Count, positions, lossE / positions, lossF / positions, (double)agree / positions);
    }

    private static double NegLogSoftmax(ReadOnlySpan<float> logits, int target)
    {
        float max = float.NegativeInfinity;
        foreach (float z in logits) max = Math.Max(max, z);
        double sum = 0;
        foreach (float z in logits) sum += Math.Exp(z - max);
        return Math.Log(sum) - (logits[target] - max);
    }

    private static int ArgMax(ReadOnlySpan<float> logits)
    {
        int best = 0;
        for (int i = 1; i < logits.Length; i++) if (logits[i] > logits[best]) best = i;
        return best;
    }
}
