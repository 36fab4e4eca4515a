namespace EvoR.Pipeline.Retrieval;

/// <summary>
/// The searches of <see cref="VectorIndex"/> over its <see cref="VectorSlots"/>: an exact float scan, and an int8 scan
/// whose top candidates are re-ranked exactly (a quarter of the memory read per vector, so cheaper on large indexes).
/// Large indexes are scanned in parallel partitions whose partial top-k are merged. The caller holds the index's read
/// lock for the whole search.
/// </summary>
internal static class VectorScan
{
    /// <summary>
    /// Exact top-<paramref name="k"/> by dot product (cosine for unit vectors), best first. From
    /// <paramref name="parallelMinVectors"/> slots on, the scan is split over the cores.
    /// </summary>
    public static List<VectorHit> Exact(VectorSlots slots, float[] query, int k, VectorFilter filter, IReadOnlySet<int>? excluded, int parallelMinVectors)
    {
        var dims = slots.Dimensions;
        var attributes = slots.Attributes;
        return Scan(slots.Used, k, parallelMinVectors, (from, to, top) =>
        {
            var vectors = slots.Vectors.AsSpan();
            for (var slot = from; slot < to; slot++)
            {
                if (Skip(attributes, slot, filter, excluded))
                {
                    continue;
                }

                top.Offer(slot, VectorMath.Dot(query, vectors.Slice(slot * dims, dims)));
            }
        }).Drain(slots.Keys);
    }

    /// <summary>
    /// The query as the int8 scan reads it: quantised, and also shifted to unsigned when the VNNI kernel applies (it
    /// multiplies unsigned by signed bytes); done before the read lock is taken, since it reads no index state.
    /// </summary>
    public static (sbyte[] Signed, byte[]? Unsigned) QuantizeQuery(float[] query, int dims)
    {
        var q = new sbyte[dims];
        VectorMath.Quantize(query, q);
        var vnni = VectorMath.HasVnni && dims % 32 == 0;
        return (q, vnni ? q.Select(v => (byte)(v + 128)).ToArray() : null);
    }

    /// <summary>
    /// int8 scan for the best <c>k · rerankMultiplier</c> candidates (AVX-VNNI when the CPU has it), then exact
    /// re-ranking of those with the float vectors; returns the top <paramref name="k"/> with exact scores.
    /// </summary>
    public static List<VectorHit> Quantized(VectorSlots slots, float[] query, sbyte[] q, byte[]? unsigned, int k, int rerankMultiplier,
        VectorFilter filter, IReadOnlySet<int>? excluded, int parallelMinVectors)
    {
        var dims = slots.Dimensions;
        var attributes = slots.Attributes;
        var scales = slots.Scales;
        var sums = slots.Sums;
        var candidates = Scan(slots.Used, Math.Max(k, k * rerankMultiplier), parallelMinVectors, (from, to, top) =>
        {
            var quantized = slots.Quantized.AsSpan();
            for (var slot = from; slot < to; slot++)
            {
                if (Skip(attributes, slot, filter, excluded))
                {
                    continue;
                }

                // The query's own scale is a common factor and does not change the order.
                var dot = unsigned is not null
                    ? VectorMath.DotUInt8Int8(unsigned, quantized.Slice(slot * dims, dims)) - (128 * sums[slot])
                    : VectorMath.DotInt8(q, quantized.Slice(slot * dims, dims));
                top.Offer(slot, dot * scales[slot]);
            }
        });

        var exact = new VectorTopK(k);
        var vectors = slots.Vectors.AsSpan();
        foreach (var slot in candidates.Slots())
        {
            exact.Offer(slot, VectorMath.Dot(query, vectors.Slice(slot * dims, dims)));
        }

        return exact.Drain(slots.Keys);
    }

    private static bool Skip(VectorAttributes[] attributes, int slot, VectorFilter filter, IReadOnlySet<int>? excluded) =>
        !filter.Matches(attributes[slot]) || (excluded is { Count: > 0 } && excluded.Contains(slot));

    /// <summary>Runs <paramref name="scan"/> over all slots, in one pass or split over the cores, and merges the partial top-k.</summary>
    private static VectorTopK Scan(int slots, int k, int parallelMinVectors, Action<int, int, VectorTopK> scan)
    {
        var partitions = slots >= parallelMinVectors ? Math.Min(Environment.ProcessorCount, 8) : 1;
        if (partitions <= 1)
        {
            var top = new VectorTopK(k);
            scan(0, slots, top);
            return top;
        }

        var parts = new VectorTopK[partitions];
        var size = (slots + partitions - 1) / partitions;
        Parallel.For(0, partitions, p =>
        {
            parts[p] = new VectorTopK(k);
            scan(p * size, Math.Min(slots, (p + 1) * size), parts[p]);
        });

        var merged = new VectorTopK(k);
        foreach (var part in parts)
        {
            foreach (var (slot, score) in part.Items())
            {
                merged.Offer(slot, score);
            }
        }

        return merged;
    }
}
