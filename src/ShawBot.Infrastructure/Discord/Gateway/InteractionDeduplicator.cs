namespace ShawBot.Infrastructure.Discord.Gateway;

/// <summary>
/// Remembers the last N interaction ids. Discord replays missed dispatches on Resume, and a
/// dispatch that raced a disconnect can arrive twice; handlers must see each interaction once.
/// </summary>
internal sealed class InteractionDeduplicator
{
    private readonly HashSet<ulong> _seen = new();
    private readonly Queue<ulong> _order = new();
    private readonly int _capacity;

    public InteractionDeduplicator(int capacity) => _capacity = Math.Max(1, capacity);

    /// <summary>True the first time an id is seen.</summary>
    public bool TryAdd(ulong id)
    {
        if (!_seen.Add(id))
            return false;
        _order.Enqueue(id);
        if (_order.Count > _capacity)
            _seen.Remove(_order.Dequeue());
        return true;
    }
}
