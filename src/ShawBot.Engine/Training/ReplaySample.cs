namespace ShawBot.Engine.Training;

/// <summary>
/// The training set of a warm-started run: every new example plus a replay sample of older ones,
/// so the adapter keeps what it learned without retraining on everything. Callers pass only the
/// training side of their split: a held-out example can never be drawn.
/// </summary>
public static class ReplaySample
{
    /// <summary>
    /// fresh + ⌊ratio · |fresh| + ½⌋ of older (all of older when it has fewer), drawn without
    /// replacement by <see cref="Trainer.Shuffle"/> keyed by seed: the same draw on every call.
    /// No fresh examples: nothing to replay against, so all of older.
    /// </summary>
    public static List<T> Mix<T>(IReadOnlyList<T> fresh, IReadOnlyList<T> older, double ratio, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(fresh);
        ArgumentNullException.ThrowIfNull(older);
        if (!(ratio >= 0) || double.IsInfinity(ratio)) throw new ArgumentOutOfRangeException(nameof(ratio), ratio, "replay ratio must be a finite number ≥ 0");
        if (fresh.Count == 0) return [.. older];
        int take = (int)Math.Min(older.Count, Math.Floor(ratio * fresh.Count + 0.5));
        var order = Trainer.Shuffle(older.Count, seed, epoch: -1);
        return [.. fresh, .. order.Take(take).Order().Select(i => older[i])];
    }
}
