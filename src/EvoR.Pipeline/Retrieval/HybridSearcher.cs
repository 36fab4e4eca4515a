using EvoR.Pipeline.Knowledge;
using Lucene.Net.Index;
using Lucene.Net.Search;
using Lucene.Net.Search.Similarities;

namespace EvoR.Pipeline.Retrieval;

/// <summary>
/// Hybrid search over one base, or an overlay and its parent: BM25 through Lucene and dense through each layer's
/// <see cref="VectorIndex"/>, fused by reciprocal rank (<see cref="RankFusion"/>), then packed into the token budget.
/// An overlay document shadows a parent document with the same id in both retrievers.
/// </summary>
internal sealed class HybridSearcher(RetrievalOptions retrieval, Bm25Queries queries, BM25Similarity similarity, TimeProvider time)
{
    /// <summary>The search itself, over one base or an overlay and its parent, with the query vector given.</summary>
    public SearchResult Search(KnowledgeBase[] layers, SearchRequest request, int k, float[]? queryVector, long started)
    {
        var pool = Math.Max(k, retrieval.CandidatePool);
        var budget = request.TokenBudget ?? retrieval.DefaultTokenBudget;
        var languages = Lower(request.Languages);
        var libraries = Lower(request.Libraries);
        var shadowed = layers.Length > 1 ? layers[0].DocumentIds().ToHashSet(StringComparer.Ordinal) : [];

        var searchers = layers.Select(l => l.Searchers.Acquire()).ToArray();
        try
        {
            var searcher = searchers.Length == 1
                ? searchers[0]
                : new IndexSearcher(new MultiReader([.. searchers.Select(s => s.IndexReader)], false)) { Similarity = similarity };
            var bm25Docs = new Dictionary<ChunkRef, int>();

            var bm25 = new List<RankedCandidate<ChunkRef>>();
            if (request.Mode != SearchMode.Dense)
            {
                var query = queries.Build(request.Query, searcher.IndexReader);
                if (query is not null)
                {
                    var filter = Bm25Queries.Filter(request.Sources, languages, libraries);
                    var overlayMax = searchers[0].IndexReader.MaxDoc;
                    var top = searcher.Search(query, filter, pool + (shadowed.Count > 0 ? Math.Min(shadowed.Count * 4, 1000) : 0));
                    var docValues = new Dictionary<int, BinaryDocValues?>();
                    var scratch = new Lucene.Net.Util.BytesRef();
                    foreach (var hit in top.ScoreDocs)
                    {
                        var chunkId = LuceneSchema.ChunkIdOf(searcher, hit.Doc, docValues, scratch);
                        var layer = layers.Length > 1 && hit.Doc >= overlayMax ? 1 : 0;
                        if (layer == 1 && shadowed.Contains(LuceneSchema.DocumentIdOf(chunkId)))
                        {
                            continue;
                        }

                        var key = new ChunkRef(layer, chunkId);
                        bm25Docs[key] = hit.Doc;
                        bm25.Add(new RankedCandidate<ChunkRef>(key, hit.Score));
                        if (bm25.Count == pool)
                        {
                            break;
                        }
                    }
                }
            }

            var dense = new List<RankedCandidate<ChunkRef>>();
            if (queryVector is not null)
            {
                var sourceMask = SourceKinds.Mask(request.Sources);
                for (var l = 0; l < layers.Length; l++)
                {
                    if (layers[l].Vectors is not { } vectors)
                    {
                        continue;
                    }

                    if (vectors.Dimensions != queryVector.Length)
                    {
                        throw new KnowledgeException(
                            KnowledgeErrorKind.DenseUnavailable,
                            $"Knowledge base '{layers[l].Name}' holds {vectors.Dimensions}-d vectors but the embedder makes {queryVector.Length}-d ones; re-ingest it or search with mode bm25.",
                            "mode");
                    }

                    var filter = vectors.ResolveFilter(sourceMask, languages, libraries);
                    var excluded = l > 0 && shadowed.Count > 0 ? vectors.SlotsOf(layers[l].ChunkIdsOf(shadowed)) : null;
                    var hits = vectors.Count >= retrieval.QuantizedScanThreshold
                        ? vectors.SearchQuantized(queryVector, pool, retrieval.RerankMultiplier, filter, excluded, retrieval.ParallelScanThreshold)
                        : vectors.SearchExact(queryVector, pool, filter, excluded, retrieval.ParallelScanThreshold);
                    dense.AddRange(hits.Select(h => new RankedCandidate<ChunkRef>(new ChunkRef(l, h.Key), h.Score)));
                }

                dense = [.. dense.OrderByDescending(c => c.Score).ThenBy(c => c.Key.Layer).ThenBy(c => c.Key.ChunkId, StringComparer.Ordinal).Take(pool)];
            }

            var fused = request.Mode switch
            {
                SearchMode.Bm25 => RankFusion.Fuse(bm25, [], 1, 0, retrieval.RrfK),
                SearchMode.Dense => RankFusion.Fuse([], dense, 0, 1, retrieval.RrfK),
                _ => RankFusion.Fuse(bm25, dense, request.Bm25Weight ?? retrieval.Bm25Weight, request.DenseWeight ?? retrieval.DenseWeight, retrieval.RrfK),
            };

            var hitsOut = new List<SearchHit>(k);
            var tokens = 0;
            var omitted = 0;
            foreach (var candidate in fused)
            {
                if (hitsOut.Count == k)
                {
                    break;
                }

                var doc = bm25Docs.TryGetValue(candidate.Key, out var docId)
                    ? searcher.Doc(docId, LuceneSchema.ChunkFields)
                    : LuceneSchema.FindChunk(searchers[candidate.Key.Layer], candidate.Key.ChunkId, LuceneSchema.ChunkFields);
                if (doc is null)
                {
                    continue;
                }

                var chunk = LuceneSchema.ToChunk(doc);
                if (budget > 0 && tokens + chunk.Tokens > budget)
                {
                    omitted++;
                    continue;
                }

                tokens += chunk.Tokens;
                var foundBy = (candidate.Bm25Rank is null ? Retrievers.None : Retrievers.Bm25) | (candidate.DenseRank is null ? Retrievers.None : Retrievers.Dense);
                hitsOut.Add(new SearchHit
                {
                    Chunk = chunk,
                    KnowledgeBase = layers[candidate.Key.Layer].Name,
                    FoundBy = foundBy,
                    Score = request.Mode switch
                    {
                        SearchMode.Bm25 => candidate.Bm25Score ?? 0,
                        SearchMode.Dense => candidate.DenseScore ?? 0,
                        _ => candidate.Score,
                    },
                    Bm25Rank = candidate.Bm25Rank,
                    Bm25Score = candidate.Bm25Score,
                    DenseRank = candidate.DenseRank,
                    DenseScore = candidate.DenseScore,
                });
            }

            return new SearchResult
            {
                KnowledgeBase = layers[0].Name,
                Mode = request.Mode,
                Hits = hitsOut,
                Tokens = tokens,
                TokenBudget = budget > 0 ? budget : null,
                OmittedForBudget = omitted,
                Elapsed = time.GetElapsedTime(started),
            };
        }
        finally
        {
            for (var i = 0; i < searchers.Length; i++)
            {
                layers[i].Searchers.Release(searchers[i]);
            }
        }
    }

    private static List<string>? Lower(IReadOnlyList<string>? values) =>
        values is null || values.Count == 0 ? null : [.. values.Select(v => v.Trim().ToLowerInvariant())];

    private readonly record struct ChunkRef(int Layer, string ChunkId);
}
