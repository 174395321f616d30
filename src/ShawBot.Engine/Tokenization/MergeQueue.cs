namespace ShawBot.Engine.Tokenization;

/// <summary>A candidate merge of the adjacent symbols at Left and Right, valid while their ids are still LeftId and RightId.</summary>
internal readonly record struct MergeCandidate(long Key, int Left, int Right, int LeftId, int RightId, int NewId);

/// <summary>
/// Binary min-heap of merge candidates ordered by Key = rank &lt;&lt; 32 | left position, so the
/// lowest rank pops first and the leftmost pair wins ties. Hand-written rather than
/// PriorityQueue&lt;T, long&gt; because the merge loop is the hot path: entries are stored inline
/// with their key, and sifting moves a hole instead of swapping.
/// </summary>
internal sealed class MergeQueue
{
    private MergeCandidate[] _items = new MergeCandidate[256];
    private int _count;

    public void Clear() => _count = 0;

    public void Push(in MergeCandidate item)
    {
        if (_count == _items.Length)
        {
            Array.Resize(ref _items, _items.Length * 2);
        }

        var items = _items;
        int i = _count++;
        while (i > 0)
        {
            int parent = (i - 1) >> 1;
            if (items[parent].Key <= item.Key)
            {
                break;
            }

            items[i] = items[parent];
            i = parent;
        }

        items[i] = item;
    }

    public bool TryPop(out MergeCandidate top)
    {
        if (_count == 0)
        {
            top = default;
            return false;
        }

        var items = _items;
        top = items[0];
        var last = items[--_count];
        int n = _count, i = 0;
        while (true)
        {
            int child = 2 * i + 1;
            if (child >= n)
            {
                break;
            }

            if (child + 1 < n && items[child + 1].Key < items[child].Key)
            {
                child++;
            }

            if (last.Key <= items[child].Key)
            {
                break;
            }

            items[i] = items[child];
            i = child;
        }

        if (n > 0)
        {
            items[i] = last;
        }

        return true;
    }
}
