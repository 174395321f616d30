using ShawBot.Engine.Lora;

namespace ShawBot.Engine.Generation;

/// <summary>Turns a logits row into a token id per <see cref="SamplingOptions"/>; owns its scratch and RNG.</summary>
public sealed class Sampler
{
    private readonly SamplingOptions _o;
    private readonly int[] _order;
    private readonly float[] _probs;
    private SplitMix _rng;

    public Sampler(SamplingOptions options, int vocabSize)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _o = options;
        _order = new int[vocabSize];
        _probs = new float[vocabSize];
        _rng = new SplitMix(options.Seed ^ 0x9E3779B97F4A7C15UL);
    }

    /// <summary>Picks the next token; <paramref name="logits"/> is modified (penalty, temperature).</summary>
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
        for (int i = 0; i < n; i++) _order[i] = i;
        // Sort ids by logit, descending, ties by id so the order is deterministic.
        float[] copy = logits.ToArray();
        Array.Sort(_order, (a, b) => copy[b] != copy[a] ? copy[b].CompareTo(copy[a]) : a.CompareTo(b));
        int keep = _o.TopK > 0 ? Math.Min(_o.TopK, n) : n;
        float max = copy[_order[0]];
        double sum = 0;
        for (int i = 0; i < keep; i++)
        {
            float p = MathF.Exp((copy[_order[i]] - max) / _o.Temperature);
            _probs[i] = p; sum += p;
        }
        if (_o.TopP < 1f)
        {
            double cum = 0;
            for (int i = 0; i < keep; i++)
            {
                cum += _probs[i] / sum;
                if (cum >= _o.TopP) { keep = i + 1; break; }
            }
            sum = 0;
            for (int i = 0; i < keep; i++) sum += _probs[i];
        }
        double u = _rng.NextDouble() * sum, acc = 0;
        for (int i = 0; i < keep; i++)
        {
            acc += _probs[i];
            if (u < acc) return _order[i];
        }
        return _order[keep - 1];
    }

    public static int ArgMax(ReadOnlySpan<float> logits)
    {
        int best = 0;
        for (int i = 1; i < logits.Length; i++) if (logits[i] > logits[best]) best = i;
        return best;
    }
}
