using ShawBot.Engine.Lora;

namespace ShawBot.Engine.Generation;

/// <summary>
/// Turns a logits row into a token id per <see cref="SamplingOptions"/>; owns its scratch and RNG.
/// Nothing is allocated per token and the vocabulary is never fully sorted: plain temperature
/// sampling walks the ids in order, top-k keeps the k best in a heap, and top-p grows a sorted
/// head (64, 128, … ids) until it holds the wanted share of the probability mass.
/// </summary>
public sealed class Sampler
{
    private readonly SamplingOptions _o;
    private readonly int[] _order;
    private readonly float[] _probs;
    private readonly PriorityQueue<int, (float Logit, int Id)> _heap;
    private SplitMix _rng;

    public Sampler(SamplingOptions options, int vocabSize)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _o = options;
        _order = new int[vocabSize];
        _probs = new float[vocabSize];
        // Min-heap on "goodness": the root is the worst kept id (lowest logit, then highest id).
        _heap = new PriorityQueue<int, (float, int)>(Comparer<(float Logit, int Id)>.Create(
            (a, b) => a.Logit != b.Logit ? a.Logit.CompareTo(b.Logit) : b.Id.CompareTo(a.Id)));
        _rng = new SplitMix(options.Seed ^ 0x9E3779B97F4A7C15UL);
    }

    /// <summary>Picks the next token; <paramref name="logits"/> is modified (penalty).</summary>
    public int Next(Span<float> logits, IReadOnlyCollection<int> seen)
    {
        if (_o.RepetitionPenalty != 1f)
            foreach (int id in seen)
            {
                if ((uint)id >= (uint)logits.Length) continue;
                float l = logits[id];
                logits[id] = l > 0 ? l / _o.RepetitionPenalty : l * _o.RepetitionPenalty;
            }
        if (_o.Temperature == 0f) return ArgMax(logits);

        int n = logits.Length;
        float max = logits[ArgMax(logits)], invT = 1f / _o.Temperature;
        if (_o.TopK == 0 && _o.TopP >= 1f)
        {
            // Plain temperature: the whole distribution, in id order.
            double total = 0;
            for (int i = 0; i < n; i++) { float p = MathF.Exp((logits[i] - max) * invT); _probs[i] = p; total += p; }
            return Draw(total, n, identity: true);
        }

        double all = 0;
        if (_o.TopK == 0)
            for (int i = 0; i < n; i++) all += MathF.Exp((logits[i] - max) * invT);
        int m = _o.TopK > 0 ? Math.Min(_o.TopK, n) : Math.Min(64, n);
        while (true)
        {
            // The m best ids, best first (ties by lower id), and their weights.
            SelectTop(logits, m);
            double sum = 0;
            for (int i = 0; i < m; i++) { float p = MathF.Exp((logits[_order[i]] - max) * invT); _probs[i] = p; sum += p; }
            double mass = _o.TopK > 0 ? sum : all;   // top-p is a share of what top-k kept
            if (_o.TopP >= 1f) return Draw(sum, m, identity: false);
            double cum = 0;
            for (int i = 0; i < m; i++)
            {
                cum += _probs[i] / mass;
                if (cum >= _o.TopP)
                {
                    double kept = 0;
                    for (int j = 0; j <= i; j++) kept += _probs[j];
                    return Draw(kept, i + 1, identity: false);
                }
            }
            if (m == n || _o.TopK > 0) return Draw(sum, m, identity: false);   // rounding left it just short
            m = Math.Min(2 * m, n);
        }
    }

    /// <summary>Samples among the first <paramref name="count"/> weights (of ids _order[i], or i itself).</summary>
    private int Draw(double total, int count, bool identity)
    {
        double u = _rng.NextDouble() * total, acc = 0;
        for (int i = 0; i < count; i++)
        {
            acc += _probs[i];
            if (u < acc) return identity ? i : _order[i];
        }
        return identity ? count - 1 : _order[count - 1];
    }

    /// <summary>_order[0..m) = the m ids with the highest logits, highest first, equal logits by lower id.</summary>
    private void SelectTop(ReadOnlySpan<float> logits, int m)
    {
        _heap.Clear();
        for (int i = 0; i < logits.Length; i++)
        {
            var key = (logits[i], i);
            if (_heap.Count < m) _heap.Enqueue(i, key);
            else if (_heap.TryPeek(out _, out var worst) && (key.Item1 > worst.Logit || (key.Item1 == worst.Logit && i < worst.Id)))
                _heap.EnqueueDequeue(i, key);
        }
        for (int k = m - 1; k >= 0; k--) _order[k] = _heap.Dequeue();
    }

    public static int ArgMax(ReadOnlySpan<float> logits)
    {
        int best = 0;
        for (int i = 1; i < logits.Length; i++) if (logits[i] > logits[best]) best = i;
        return best;
    }
}
