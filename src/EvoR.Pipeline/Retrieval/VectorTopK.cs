namespace EvoR.Pipeline.Retrieval;

internal readonly record struct VectorHit(string Key, float Score);

/// <summary>Bounded min-heap of (slot, score) that keeps the best <c>k</c> a scan offers; ties go to the lower slot,
/// so a search's result does not depend on how the scan was split over the cores.</summary>
internal sealed class VectorTopK(int k)
{
    private readonly PriorityQueue<int, (float Score, int NegSlot)> _heap = new(k + 1);

    public void Offer(int slot, float score)
    {
        if (_heap.Count < k)
        {
            _heap.Enqueue(slot, (score, -slot));
        }
        else if (_heap.TryPeek(out _, out var min) && (score > min.Score || (score == min.Score && -slot > min.NegSlot)))
        {
            _heap.DequeueEnqueue(slot, (score, -slot));
        }
    }

    public IEnumerable<int> Slots() => _heap.UnorderedItems.Select(x => x.Element);

    public IEnumerable<(int Slot, float Score)> Items() => _heap.UnorderedItems.Select(x => (x.Element, x.Priority.Score));

    /// <summary>Empties the heap into hits, best first, naming each slot by its key.</summary>
    public List<VectorHit> Drain(string?[] keys)
    {
        var hits = new List<VectorHit>(_heap.Count);
        while (_heap.TryDequeue(out var slot, out var priority))
        {
            hits.Add(new VectorHit(keys[slot]!, priority.Score));
        }

        hits.Reverse();
        return hits;
    }
}
