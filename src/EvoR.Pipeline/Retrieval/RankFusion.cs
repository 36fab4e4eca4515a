namespace EvoR.Pipeline.Retrieval;

/// <summary>A candidate in one retriever's ranking.</summary>
internal readonly record struct RankedCandidate<TKey>(TKey Key, float Score);

/// <summary>A fused candidate: its RRF score and where each retriever ranked it.</summary>
internal sealed record FusedCandidate<TKey>(TKey Key, double Score, int? Bm25Rank, float? Bm25Score, int? DenseRank, float? DenseScore);

/// <summary>Reciprocal-rank fusion: <c>score(d) = Σ_r w_r / (k + rank_r(d))</c>, ranks from 1.</summary>
internal static class RankFusion
{
    public static List<FusedCandidate<TKey>> Fuse<TKey>(
        IReadOnlyList<RankedCandidate<TKey>> bm25,
        IReadOnlyList<RankedCandidate<TKey>> dense,
        double bm25Weight,
        double denseWeight,
        int rrfK)
        where TKey : notnull
    {
        var fused = new Dictionary<TKey, (double Score, int? BRank, float? BScore, int? DRank, float? DScore, int First)>();
        var order = 0;
        for (var i = 0; i < bm25.Count; i++)
        {
            var c = bm25[i];
            fused[c.Key] = (bm25Weight / (rrfK + i + 1), i + 1, c.Score, null, null, order++);
        }

        for (var i = 0; i < dense.Count; i++)
        {
            var c = dense[i];
            var add = denseWeight / (rrfK + i + 1);
            fused[c.Key] = fused.TryGetValue(c.Key, out var e)
                ? (e.Score + add, e.BRank, e.BScore, i + 1, c.Score, e.First)
                : (add, null, null, i + 1, c.Score, order++);
        }

        return fused
            .OrderByDescending(p => p.Value.Score)
            .ThenBy(p => Math.Min(p.Value.BRank ?? int.MaxValue, p.Value.DRank ?? int.MaxValue))
            .ThenBy(p => p.Value.First)
            .Select(p => new FusedCandidate<TKey>(p.Key, p.Value.Score, p.Value.BRank, p.Value.BScore, p.Value.DRank, p.Value.DScore))
            .ToList();
    }
}
