namespace EvoR.Pipeline.Retrieval;

/// <summary>Filter attributes of one stored vector; interned ids, -1 for "none".</summary>
internal readonly record struct VectorAttributes(int SourceBit, int LanguageId, int LibraryId);

/// <summary>A resolved filter: a source bit mask and optional sets of allowed language and library ids.</summary>
internal sealed record VectorFilter(int SourceMask, IReadOnlySet<int>? Languages, IReadOnlySet<int>? Libraries)
{
    public bool Matches(in VectorAttributes a) =>
        (a.SourceBit & SourceMask) != 0 &&
        (Languages is null || Languages.Contains(a.LanguageId)) &&
        (Libraries is null || Libraries.Contains(a.LibraryId));
}

internal readonly record struct VectorHit(string Key, float Score);

/// <summary>
/// Flat, in-memory dense index kept beside the Lucene index (Lucene.Net 4.8 has no vector search): unit vectors in
/// one contiguous float array scanned with SIMD dot products, plus an int8 copy (per-vector scale) for a cheaper
/// first pass whose top candidates are re-ranked exactly. Adds, removes and searches may run concurrently.
/// </summary>
internal sealed class VectorIndex(int dimensions)
{
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private readonly Dictionary<string, int> _slotByKey = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _languages = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _libraries = new(StringComparer.Ordinal);
    private readonly Stack<int> _free = new();
    private float[] _vectors = [];
    private sbyte[] _quantized = [];
    private float[] _scales = [];
    private int[] _sums = [];
    private string?[] _keys = [];
    private VectorAttributes[] _attributes = [];
    private int _slots;

    public int Dimensions { get; } = dimensions;

    public int Count
    {
        get
        {
            _lock.EnterReadLock();
            try
            {
                return _slotByKey.Count;
            }
            finally
            {
                _lock.ExitReadLock();
            }
        }
    }

    /// <summary>Approximate memory held by the vectors, in bytes.</summary>
    public long Bytes => (long)_vectors.Length * sizeof(float) + _quantized.Length + (long)_scales.Length * sizeof(float);

    /// <summary>Adds or replaces the vector stored under <paramref name="key"/> (it must be unit length).</summary>
    public void Upsert(string key, ReadOnlySpan<float> vector, int sourceBit, string? language, string? library)
    {
        if (vector.Length != Dimensions)
        {
            throw new ArgumentException($"Expected {Dimensions} dimensions, got {vector.Length}.", nameof(vector));
        }

        _lock.EnterWriteLock();
        try
        {
            if (!_slotByKey.TryGetValue(key, out var slot))
            {
                slot = _free.Count > 0 ? _free.Pop() : NextSlot();
                _slotByKey[key] = slot;
            }

            vector.CopyTo(_vectors.AsSpan(slot * Dimensions, Dimensions));
            _scales[slot] = VectorMath.Quantize(vector, _quantized.AsSpan(slot * Dimensions, Dimensions));
            _sums[slot] = VectorMath.Sum(_quantized.AsSpan(slot * Dimensions, Dimensions));
            _keys[slot] = key;
            _attributes[slot] = new VectorAttributes(sourceBit, Intern(_languages, language), Intern(_libraries, library));
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    public bool Remove(string key)
    {
        _lock.EnterWriteLock();
        try
        {
            if (!_slotByKey.Remove(key, out var slot))
            {
                return false;
            }

            _keys[slot] = null;
            _attributes[slot] = new VectorAttributes(0, -1, -1);
            _free.Push(slot);
            return true;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>Resolves names to the interned ids; a name never stored maps to an id that matches nothing.</summary>
    public VectorFilter ResolveFilter(int sourceMask, IReadOnlyCollection<string>? languages, IReadOnlyCollection<string>? libraries)
    {
        _lock.EnterReadLock();
        try
        {
            return new VectorFilter(sourceMask, Resolve(_languages, languages), Resolve(_libraries, libraries));
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>The slots holding <paramref name="keys"/> (unknown keys are ignored).</summary>
    public HashSet<int> SlotsOf(IEnumerable<string> keys)
    {
        _lock.EnterReadLock();
        try
        {
            var slots = new HashSet<int>();
            foreach (var key in keys)
            {
                if (_slotByKey.TryGetValue(key, out var slot))
                {
                    slots.Add(slot);
                }
            }

            return slots;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>
    /// Exact top-<paramref name="k"/> by dot product (cosine for unit vectors), best first. From
    /// <paramref name="parallelMinVectors"/> slots on, the scan is split over the cores.
    /// </summary>
    public List<VectorHit> SearchExact(float[] query, int k, VectorFilter filter, IReadOnlySet<int>? excluded = null, int parallelMinVectors = int.MaxValue)
    {
        _lock.EnterReadLock();
        try
        {
            return Scan(k, parallelMinVectors, (from, to, top) =>
            {
                var dims = Dimensions;
                var vectors = _vectors.AsSpan();
                for (var slot = from; slot < to; slot++)
                {
                    if (Skip(slot, filter, excluded))
                    {
                        continue;
                    }

                    top.Offer(slot, VectorMath.Dot(query, vectors.Slice(slot * dims, dims)));
                }
            }).Drain(_keys);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>
    /// int8 scan for the best <c>k · rerankMultiplier</c> candidates (AVX-VNNI when the CPU has it), then exact
    /// re-ranking of those with the float vectors; returns the top <paramref name="k"/> with exact scores.
    /// </summary>
    public List<VectorHit> SearchQuantized(float[] query, int k, int rerankMultiplier, VectorFilter filter, IReadOnlySet<int>? excluded = null, int parallelMinVectors = int.MaxValue)
    {
        var dims = Dimensions;
        var q = new sbyte[dims];
        VectorMath.Quantize(query, q);
        var vnni = VectorMath.HasVnni && dims % 32 == 0;
        var unsigned = vnni ? q.Select(v => (byte)(v + 128)).ToArray() : [];
        _lock.EnterReadLock();
        try
        {
            var candidates = Scan(Math.Max(k, k * rerankMultiplier), parallelMinVectors, (from, to, top) =>
            {
                var quantized = _quantized.AsSpan();
                for (var slot = from; slot < to; slot++)
                {
                    if (Skip(slot, filter, excluded))
                    {
                        continue;
                    }

                    // The query's own scale is a common factor and does not change the order.
                    var dot = vnni
                        ? VectorMath.DotUInt8Int8(unsigned, quantized.Slice(slot * dims, dims)) - (128 * _sums[slot])
                        : VectorMath.DotInt8(q, quantized.Slice(slot * dims, dims));
                    top.Offer(slot, dot * _scales[slot]);
                }
            });

            var exact = new TopK(k);
            var vectors = _vectors.AsSpan();
            foreach (var slot in candidates.Slots())
            {
                exact.Offer(slot, VectorMath.Dot(query, vectors.Slice(slot * dims, dims)));
            }

            return exact.Drain(_keys);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    private bool Skip(int slot, VectorFilter filter, IReadOnlySet<int>? excluded) =>
        !filter.Matches(_attributes[slot]) || (excluded is { Count: > 0 } && excluded.Contains(slot));

    /// <summary>Runs <paramref name="scan"/> over all slots, in one pass or split over the cores, and merges the partial top-k.</summary>
    private TopK Scan(int k, int parallelMinVectors, Action<int, int, TopK> scan)
    {
        var slots = _slots;
        var partitions = slots >= parallelMinVectors ? Math.Min(Environment.ProcessorCount, 8) : 1;
        if (partitions <= 1)
        {
            var top = new TopK(k);
            scan(0, slots, top);
            return top;
        }

        var parts = new TopK[partitions];
        var size = (slots + partitions - 1) / partitions;
        Parallel.For(0, partitions, p =>
        {
            parts[p] = new TopK(k);
            scan(p * size, Math.Min(slots, (p + 1) * size), parts[p]);
        });

        var merged = new TopK(k);
        foreach (var part in parts)
        {
            foreach (var (slot, score) in part.Items())
            {
                merged.Offer(slot, score);
            }
        }

        return merged;
    }

    private int NextSlot()
    {
        if (_slots == _keys.Length)
        {
            var capacity = Math.Max(1024, _keys.Length * 2);
            Array.Resize(ref _vectors, capacity * Dimensions);
            Array.Resize(ref _quantized, capacity * Dimensions);
            Array.Resize(ref _scales, capacity);
            Array.Resize(ref _sums, capacity);
            Array.Resize(ref _keys, capacity);
            Array.Resize(ref _attributes, capacity);
        }

        return _slots++;
    }

    private static int Intern(Dictionary<string, int> table, string? value)
    {
        if (value is null)
        {
            return -1;
        }

        if (!table.TryGetValue(value, out var id))
        {
            table[value] = id = table.Count;
        }

        return id;
    }

    private static HashSet<int>? Resolve(Dictionary<string, int> table, IReadOnlyCollection<string>? names)
    {
        if (names is null || names.Count == 0)
        {
            return null;
        }

        var ids = new HashSet<int>();
        foreach (var name in names)
        {
            ids.Add(table.TryGetValue(name, out var id) ? id : -2);
        }

        return ids;
    }

    /// <summary>Bounded min-heap of (slot, score); ties go to the lower slot.</summary>
    private sealed class TopK(int k)
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
}
