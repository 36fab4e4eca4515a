namespace EvoR.Pipeline.Retrieval;

/// <summary>
/// Flat, in-memory dense index kept beside the Lucene index (Lucene.Net 4.8 has no vector search): unit vectors in
/// one contiguous float array scanned with SIMD dot products, plus an int8 copy (per-vector scale) for a cheaper
/// first pass whose top candidates are re-ranked exactly. Adds, removes and searches may run concurrently: this class
/// is the lock around the storage (<see cref="VectorSlots"/>), the filter names (<see cref="AttributeVocabulary"/>)
/// and the searches (<see cref="VectorScan"/>), which are not thread-safe on their own.
/// </summary>
internal sealed class VectorIndex(int dimensions)
{
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private readonly VectorSlots _slots = new(dimensions);
    private readonly AttributeVocabulary _languages = new();
    private readonly AttributeVocabulary _libraries = new();

    public int Dimensions { get; } = dimensions;

    public int Count
    {
        get
        {
            _lock.EnterReadLock();
            try
            {
                return _slots.Count;
            }
            finally
            {
                _lock.ExitReadLock();
            }
        }
    }

    /// <summary>Approximate memory held by the vectors, in bytes.</summary>
    public long Bytes => _slots.Bytes;

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
            _slots.Upsert(key, vector, new VectorAttributes(sourceBit, _languages.Intern(language), _libraries.Intern(library)));
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
            return _slots.Remove(key);
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
            return new VectorFilter(sourceMask, _languages.Resolve(languages), _libraries.Resolve(libraries));
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
                if (_slots.TryGetSlot(key, out var slot))
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
            return VectorScan.Exact(_slots, query, k, filter, excluded, parallelMinVectors);
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
        var (q, unsigned) = VectorScan.QuantizeQuery(query, Dimensions);
        _lock.EnterReadLock();
        try
        {
            return VectorScan.Quantized(_slots, query, q, unsigned, k, rerankMultiplier, filter, excluded, parallelMinVectors);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }
}
