using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using EvoR.Pipeline.Embeddings;
using EvoR.Pipeline.Retrieval;
using Lucene.Net.Index;
using Lucene.Net.Search;
using Lucene.Net.Search.Similarities;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EvoR.Pipeline.Knowledge;

/// <summary>
/// <see cref="IKnowledgeBaseStore"/> over folders under <c>Knowledge:RootPath</c>, one per base. Bases open lazily
/// on first use and stay open until the store is disposed; one process owns a root at a time (Lucene's write lock).
/// </summary>
public sealed partial class KnowledgeBaseStore : IKnowledgeBaseStore, IDisposable
{
    private readonly KnowledgeOptions _options;
    private readonly RetrievalOptions _retrieval;
    private readonly EmbeddingService _embeddings;
    private readonly KnowledgeTelemetry _telemetry;
    private readonly TimeProvider _time;
    private readonly ILogger<KnowledgeBaseStore> _logger;
    private readonly string _root;
    private readonly CodeAnalyzer _analyzer = new();
    private readonly BM25Similarity _similarity;
    private readonly ConcurrentDictionary<string, KnowledgeBase> _open = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _catalog = new(1, 1);
    private bool _disposed;

    public KnowledgeBaseStore(
        IOptions<KnowledgeOptions> options,
        IOptions<RetrievalOptions> retrieval,
        EmbeddingService embeddings,
        KnowledgeTelemetry telemetry,
        TimeProvider time,
        ILogger<KnowledgeBaseStore> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(retrieval);
        _options = options.Value;
        _retrieval = retrieval.Value;
        _embeddings = embeddings;
        _telemetry = telemetry;
        _time = time;
        _logger = logger;
        _root = Path.GetFullPath(_options.RootPath);
        _similarity = new BM25Similarity(_retrieval.Bm25K1, _retrieval.Bm25B);
        Directory.CreateDirectory(_root);
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,63}$")]
    private static partial Regex NameRegex();

    public async Task<KnowledgeBaseInfo> CreateAsync(string name, KnowledgeBaseSpec? spec = null, CancellationToken cancellationToken = default)
    {
        ValidateName(name);
        spec ??= new KnowledgeBaseSpec();
        await _catalog.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var path = PathOf(name);
            if (Directory.Exists(path))
            {
                throw new KnowledgeException(KnowledgeErrorKind.BaseAlreadyExists, $"Knowledge base '{name}' exists already.", "name");
            }

            if (spec.Parent is { } parentName)
            {
                var parent = OpenLocked(parentName, "parent");
                if (parent.Meta.Parent is not null)
                {
                    throw new KnowledgeException(KnowledgeErrorKind.InvalidRequest, $"'{parentName}' is itself an overlay; overlays stack one level deep.", "parent");
                }
            }

            if (spec.Parent is null && Metas().Count(m => m.Parent is null) >= _options.MaxBases)
            {
                throw new KnowledgeException(KnowledgeErrorKind.InvalidRequest, $"At most {_options.MaxBases} knowledge bases (Knowledge:MaxBases).", "name");
            }

            var meta = new KnowledgeBaseMeta
            {
                Name = name,
                Parent = spec.Parent,
                Description = spec.Description,
                CreatedAt = _time.GetUtcNow(),
                Owner = spec.Owner,
                Shared = spec.Parent is null && spec.Shared,
                JobId = spec.JobId,
            };
            var kb = KnowledgeBase.Create(path, meta, _analyzer, _similarity, _options.NearDuplicateThreshold);
            _open[name] = kb;
            KnowledgeLog.BaseCreated(_logger, name, spec.Parent);
            return Info(kb);
        }
        finally
        {
            _catalog.Release();
        }
    }

    public async Task<IReadOnlyList<KnowledgeBaseInfo>> ListAsync(CancellationToken cancellationToken = default)
    {
        await _catalog.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return [.. Metas().Where(m => m.Parent is null).Select(m => m.Name).Order(StringComparer.Ordinal).Select(n => Info(OpenLocked(n, "name")))];
        }
        finally
        {
            _catalog.Release();
        }
    }

    public Task<KnowledgeBaseInfo> GetAsync(string name, CancellationToken cancellationToken = default) =>
        Task.FromResult(Info(Get(name)));

    public async Task<IngestResult> AddDocumentsAsync(string name, IEnumerable<KnowledgeDocument> documents, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(documents);
        var kb = Get(name);
        var parent = kb.Meta.Parent is { } p ? Get(p) : null;
        var batch = documents as IReadOnlyList<KnowledgeDocument> ?? [.. documents];
        Validate(batch);
        var started = _time.GetTimestamp();
        using var activity = _telemetry.Source.StartActivity("knowledge.add");
        activity?.SetTag("evor.knowledge.base", name);
        activity?.SetTag("evor.knowledge.documents", batch.Count);

        await kb.WriteLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var result = AddLocked(kb, parent, batch, cancellationToken);
            var elapsed = _time.GetElapsedTime(started);
            _telemetry.RecordIngest(result, elapsed);
            KnowledgeLog.DocumentsAdded(_logger, name, result.Added, result.Updated, result.Skipped, result.Chunks, result.Embedded, result.EmbeddingCacheHits, elapsed.TotalMilliseconds);
            return result;
        }
        finally
        {
            kb.WriteLock.Release();
        }
    }

    public async Task<int> RemoveDocumentsAsync(string name, IEnumerable<string> documentIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(documentIds);
        var kb = Get(name);
        var ids = documentIds.ToList();
        await kb.WriteLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var removed = kb.Remove(ids);
            KnowledgeLog.DocumentsRemoved(_logger, name, removed);
            return removed;
        }
        finally
        {
            kb.WriteLock.Release();
        }
    }

    public Task<KnowledgeDocument?> GetDocumentAsync(string name, string documentId, CancellationToken cancellationToken = default) =>
        Task.FromResult(Get(name).GetDocument(documentId));

    public Task<SearchResult> SearchAsync(string name, SearchRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var kb = Get(name);
        var k = request.K ?? _retrieval.DefaultK;
        ValidateSearch(request, k);
        var parent = kb.Meta.Parent is { } p ? Get(p) : null;
        var started = _time.GetTimestamp();
        using var activity = _telemetry.Source.StartActivity("knowledge.search");
        activity?.SetTag("evor.knowledge.base", name);
        activity?.SetTag("evor.knowledge.search.mode", request.Mode.ToWireName());

        var layers = parent is null ? new[] { kb } : [kb, parent];
        float[]? queryVector = request.Mode == SearchMode.Bm25 ? null : _embeddings.EmbedQuery(request.Query, cancellationToken);
        var result = Search(layers, request, k, queryVector, started);
        _telemetry.RecordSearch(request.Mode.ToWireName(), result.Elapsed);
        KnowledgeLog.Searched(_logger, name, request.Mode.ToWireName(), k, result.Hits.Count, result.Elapsed.TotalMilliseconds);
        return Task.FromResult(result);
    }

    /// <summary>The search itself, over one base or an overlay and its parent, with the query vector given.</summary>
    internal SearchResult Search(KnowledgeBase[] layers, SearchRequest request, int k, float[]? queryVector, long started)
    {
        var pool = Math.Max(k, _retrieval.CandidatePool);
        var budget = request.TokenBudget ?? _retrieval.DefaultTokenBudget;
        var languages = Lower(request.Languages);
        var libraries = Lower(request.Libraries);
        var shadowed = layers.Length > 1 ? layers[0].DocumentIds().ToHashSet(StringComparer.Ordinal) : [];

        var searchers = layers.Select(l => l.Searchers.Acquire()).ToArray();
        try
        {
            var searcher = searchers.Length == 1
                ? searchers[0]
                : new IndexSearcher(new MultiReader([.. searchers.Select(s => s.IndexReader)], false)) { Similarity = _similarity };
            var bm25Docs = new Dictionary<ChunkRef, int>();

            var bm25 = new List<RankedCandidate<ChunkRef>>();
            if (request.Mode != SearchMode.Dense)
            {
                var query = BuildQuery(request.Query, searcher.IndexReader);
                if (query is not null)
                {
                    var filter = BuildFilter(request.Sources, languages, libraries);
                    var overlayMax = searchers[0].IndexReader.MaxDoc;
                    var top = searcher.Search(query, filter, pool + (shadowed.Count > 0 ? Math.Min(shadowed.Count * 4, 1000) : 0));
                    var docValues = new Dictionary<int, BinaryDocValues?>();
                    var scratch = new Lucene.Net.Util.BytesRef();
                    foreach (var hit in top.ScoreDocs)
                    {
                        var chunkId = KnowledgeBase.ChunkIdOf(searcher, hit.Doc, docValues, scratch);
                        var layer = layers.Length > 1 && hit.Doc >= overlayMax ? 1 : 0;
                        if (layer == 1 && shadowed.Contains(KnowledgeBase.DocumentIdOf(chunkId)))
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
                    var hits = vectors.Count >= _retrieval.QuantizedScanThreshold
                        ? vectors.SearchQuantized(queryVector, pool, _retrieval.RerankMultiplier, filter, excluded, _retrieval.ParallelScanThreshold)
                        : vectors.SearchExact(queryVector, pool, filter, excluded, _retrieval.ParallelScanThreshold);
                    dense.AddRange(hits.Select(h => new RankedCandidate<ChunkRef>(new ChunkRef(l, h.Key), h.Score)));
                }

                dense = [.. dense.OrderByDescending(c => c.Score).ThenBy(c => c.Key.Layer).ThenBy(c => c.Key.ChunkId, StringComparer.Ordinal).Take(pool)];
            }

            var fused = request.Mode switch
            {
                SearchMode.Bm25 => RankFusion.Fuse(bm25, [], 1, 0, _retrieval.RrfK),
                SearchMode.Dense => RankFusion.Fuse([], dense, 0, 1, _retrieval.RrfK),
                _ => RankFusion.Fuse(bm25, dense, request.Bm25Weight ?? _retrieval.Bm25Weight, request.DenseWeight ?? _retrieval.DenseWeight, _retrieval.RrfK),
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
                    ? searcher.Doc(docId, KnowledgeBase.ChunkFields)
                    : KnowledgeBase.FindChunk(searchers[candidate.Key.Layer], candidate.Key.ChunkId, KnowledgeBase.ChunkFields);
                if (doc is null)
                {
                    continue;
                }

                var chunk = KnowledgeBase.ToChunk(doc);
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
                Elapsed = _time.GetElapsedTime(started),
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

    /// <summary>Opens a base by name for in-process callers (bench, tests); throws like the public methods.</summary>
    internal KnowledgeBase Get(string name)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ValidateName(name);
        if (_open.TryGetValue(name, out var kb))
        {
            return kb;
        }

        _catalog.Wait();
        try
        {
            return OpenLocked(name, "name");
        }
        finally
        {
            _catalog.Release();
        }
    }

    private KnowledgeBase OpenLocked(string name, string field)
    {
        if (_open.TryGetValue(name, out var kb))
        {
            return kb;
        }

        var path = PathOf(name);
        var meta = KnowledgeBase.ReadMeta(path)
            ?? throw new KnowledgeException(KnowledgeErrorKind.UnknownBase, $"No knowledge base named '{name}'.", field);
        var started = _time.GetTimestamp();
        kb = KnowledgeBase.Open(path, meta, _analyzer, _similarity, _options.NearDuplicateThreshold);
        _open[name] = kb;
        KnowledgeLog.BaseOpened(_logger, name, kb.DocumentCount, kb.ChunkCount, kb.Vectors?.Count ?? 0, _time.GetElapsedTime(started).TotalMilliseconds);
        return kb;
    }

    private IngestResult AddLocked(KnowledgeBase kb, KnowledgeBase? parent, IReadOnlyList<KnowledgeDocument> batch, CancellationToken cancellationToken)
    {
        var skipped = new List<SkippedDocument>();
        var prepared = new List<PreparedDocument>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var inBatch = new NearDuplicateIndex(_options.NearDuplicateThreshold);
        var added = 0;
        var updated = 0;
        foreach (var original in batch)
        {
            var doc = Normalize(original);
            var id = doc.Id!;
            if (!seen.Add(id))
            {
                skipped.Add(new SkippedDocument(id, SkipReason.DuplicateInRequest));
                continue;
            }

            var hash = ContentHash.Of(JsonSerializer.Serialize(doc, KnowledgeBase.Json));
            var storedHash = kb.DocumentHash(id);
            if (storedHash == hash)
            {
                skipped.Add(new SkippedDocument(id, SkipReason.Unchanged));
                continue;
            }

            var signature = NearDuplicateIndex.Sign(doc.Text);
            if (_options.SuppressNearDuplicates &&
                (kb.FindDuplicate(id, signature) ?? parent?.FindDuplicate(id, signature) ?? inBatch.FindDuplicate(id, signature)) is { } duplicateOf)
            {
                skipped.Add(new SkippedDocument(id, SkipReason.NearDuplicate, duplicateOf));
                KnowledgeLog.DocumentSkipped(_logger, kb.Name, id, SkipReason.NearDuplicate, duplicateOf);
                continue;
            }

            inBatch.Add(id, signature);
            if (storedHash is null)
            {
                added++;
            }
            else
            {
                updated++;
            }

            prepared.Add(new PreparedDocument(doc, hash, signature, Chunk(doc)));
        }

        var cacheHits = 0;
        var embedded = 0;
        if (_embeddings.Embedder is not null && prepared.Count > 0)
        {
            var texts = prepared.SelectMany(p => p.Chunks.Select(c => c.Text)).ToList();
            if (kb.Vectors is { } existing && existing.Count > 0 && existing.Dimensions != _embeddings.Embedder.Dimensions)
            {
                throw new KnowledgeException(
                    KnowledgeErrorKind.InvalidRequest,
                    $"Knowledge base '{kb.Name}' holds {existing.Dimensions}-d vectors but the embedder makes {_embeddings.Embedder.Dimensions}-d ones; create a new base for the new model.",
                    "documents");
            }

            var batchResult = _embeddings.EmbedDocuments(texts, cancellationToken);
            cacheHits = batchResult.CacheHits;
            embedded = batchResult.Computed;
            var offset = 0;
            foreach (var p in prepared)
            {
                p.Vectors = batchResult.Vectors[offset..(offset + p.Chunks.Count)];
                offset += p.Chunks.Count;
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        kb.Write(prepared);
        return new IngestResult
        {
            Added = added,
            Updated = updated,
            Skipped = skipped.Count,
            Chunks = prepared.Sum(p => p.Chunks.Count),
            EmbeddingCacheHits = cacheHits,
            Embedded = embedded,
            SkippedDocuments = skipped,
            WrittenIds = [.. prepared.Select(p => p.Id)],
        };
    }

    private List<KnowledgeChunk> Chunk(KnowledgeDocument doc)
    {
        var drafts = MarkdownChunker.Chunk(doc.Text, _options.MaxChunkTokens, doc.Title);
        if (drafts.Count == 0)
        {
            var text = doc.Text.Trim();
            drafts = [new ChunkDraft("", text, ApproximateTokenCounter.Count(text))];
        }

        return
        [
            .. drafts.Select((d, i) => new KnowledgeChunk
            {
                ChunkId = KnowledgeBase.ChunkId(doc.Id!, i),
                DocumentId = doc.Id!,
                Ordinal = i,
                Title = doc.Title,
                Heading = d.Heading,
                Text = d.Text,
                Source = doc.Source,
                Language = doc.Language,
                Library = doc.Library,
                Provenance = doc.Provenance,
                Tokens = d.Tokens,
                ContentHash = ContentHash.Of(d.Text),
            }),
        ];
    }

    private static KnowledgeDocument Normalize(KnowledgeDocument doc) => doc with
    {
        Id = string.IsNullOrWhiteSpace(doc.Id) ? "doc-" + ContentHash.Of(doc.Text)[..16] : doc.Id.Trim(),
        Title = string.IsNullOrWhiteSpace(doc.Title) ? MarkdownChunker.FirstHeading(doc.Text) : doc.Title.Trim(),
        Language = string.IsNullOrWhiteSpace(doc.Language) ? null : doc.Language.Trim().ToLowerInvariant(),
        Library = string.IsNullOrWhiteSpace(doc.Library) ? null : doc.Library.Trim().ToLowerInvariant(),
    };

    private void Validate(IReadOnlyList<KnowledgeDocument> batch)
    {
        if (batch.Count > _options.MaxDocumentsPerRequest)
        {
            throw new KnowledgeException(KnowledgeErrorKind.DocumentTooLarge, $"{batch.Count} documents in one request; at most {_options.MaxDocumentsPerRequest} (Knowledge:MaxDocumentsPerRequest).", "documents");
        }

        for (var i = 0; i < batch.Count; i++)
        {
            var doc = batch[i] ?? throw new KnowledgeException(KnowledgeErrorKind.InvalidRequest, "Null document.", $"documents[{i}]");
            if (string.IsNullOrWhiteSpace(doc.Text))
            {
                throw new KnowledgeException(KnowledgeErrorKind.InvalidRequest, "Document text is empty.", $"documents[{i}].text");
            }

            var bytes = Encoding.UTF8.GetByteCount(doc.Text);
            if (bytes > _options.MaxDocumentBytes)
            {
                throw new KnowledgeException(KnowledgeErrorKind.DocumentTooLarge, $"Document of {bytes} bytes; at most {_options.MaxDocumentBytes} (Knowledge:MaxDocumentBytes).", $"documents[{i}].text");
            }

            if (!Enum.IsDefined(doc.Source))
            {
                throw new KnowledgeException(KnowledgeErrorKind.InvalidSourceKind, $"Invalid source kind {(int)doc.Source}.", $"documents[{i}].source");
            }

            if (DocumentIds.Problem(doc.Id) is { } problem)
            {
                throw new KnowledgeException(KnowledgeErrorKind.InvalidRequest, problem, $"documents[{i}].id");
            }
        }
    }

    private void ValidateSearch(SearchRequest request, int k)
    {
        if (string.IsNullOrWhiteSpace(request.Query))
        {
            throw new KnowledgeException(KnowledgeErrorKind.EmptyQuery, "The query is empty.", "query");
        }

        if (k < 1 || k > _retrieval.MaxK)
        {
            throw new KnowledgeException(KnowledgeErrorKind.InvalidRequest, $"k must be between 1 and {_retrieval.MaxK}.", "k");
        }

        if (request.TokenBudget is < 0)
        {
            throw new KnowledgeException(KnowledgeErrorKind.InvalidRequest, "tokenBudget must not be negative.", "tokenBudget");
        }

        if (request.Bm25Weight is < 0 or > 10 || request.DenseWeight is < 0 or > 10)
        {
            throw new KnowledgeException(KnowledgeErrorKind.InvalidRequest, "Weights must be between 0 and 10.", "weights");
        }

        if (request.Sources?.FirstOrDefault(s => !Enum.IsDefined(s)) is { } bad && !Enum.IsDefined(bad))
        {
            throw new KnowledgeException(KnowledgeErrorKind.InvalidSourceKind, $"Invalid source kind {(int)bad}.", "sources");
        }

        if (!Enum.IsDefined(request.Mode))
        {
            throw new KnowledgeException(KnowledgeErrorKind.InvalidRequest, $"Invalid mode {(int)request.Mode}.", "mode");
        }

        if (request.Mode != SearchMode.Bm25 && _embeddings.Embedder is null)
        {
            throw new KnowledgeException(KnowledgeErrorKind.DenseUnavailable, "Embeddings are disabled (Embeddings:Enabled=false); only bm25 search is available.", "mode");
        }
    }

    private BooleanQuery? BuildQuery(string text, IndexReader reader)
    {
        var terms = _analyzer.Terms(KnowledgeBase.FText, text).Distinct(StringComparer.Ordinal).Take(_retrieval.MaxQueryTerms).ToList();
        if (terms.Count == 0)
        {
            return null;
        }

        var chunks = reader.NumDocs;
        if (chunks >= _retrieval.Bm25PruneMinChunks && _retrieval.Bm25MaxDocFrequency < 1)
        {
            var frequencies = terms.ToDictionary(t => t, t => reader.DocFreq(new Term(KnowledgeBase.FText, t)), StringComparer.Ordinal);
            var limit = _retrieval.Bm25MaxDocFrequency * chunks;
            var rarest = terms.Where(t => frequencies[t] > 0).MinBy(t => frequencies[t]);
            terms = [.. terms.Where(t => frequencies[t] > 0 && (frequencies[t] <= limit || t == rarest))];
            if (terms.Count == 0)
            {
                return null;
            }
        }

        var query = new BooleanQuery();
        foreach (var term in terms)
        {
            query.Add(new TermQuery(new Term(KnowledgeBase.FText, term)), Occur.SHOULD);
        }

        return query;
    }

    private static QueryWrapperFilter? BuildFilter(IReadOnlyList<SourceKind>? sources, IReadOnlyList<string>? languages, IReadOnlyList<string>? libraries)
    {
        var filter = new BooleanQuery();
        AddAnyOf(filter, KnowledgeBase.FSource, sources?.Select(s => s.ToWireName()).ToList());
        AddAnyOf(filter, KnowledgeBase.FLanguage, languages);
        AddAnyOf(filter, KnowledgeBase.FLibrary, libraries);
        return filter.Clauses.Count == 0 ? null : new QueryWrapperFilter(filter);

        static void AddAnyOf(BooleanQuery filter, string field, IReadOnlyList<string>? values)
        {
            if (values is null || values.Count == 0)
            {
                return;
            }

            var any = new BooleanQuery();
            foreach (var value in values)
            {
                any.Add(new TermQuery(new Term(field, value)), Occur.SHOULD);
            }

            filter.Add(any, Occur.MUST);
        }
    }

    private static List<string>? Lower(IReadOnlyList<string>? values) =>
        values is null || values.Count == 0 ? null : [.. values.Select(v => v.Trim().ToLowerInvariant())];

    private static void ValidateName(string name)
    {
        if (name is null || !NameRegex().IsMatch(name))
        {
            throw new KnowledgeException(KnowledgeErrorKind.InvalidName, $"Invalid knowledge base name '{name}': 1–64 of a-z, 0-9, '.', '_', '-', starting with a letter or digit.", "name");
        }
    }

    private string PathOf(string name) => Path.Combine(_root, name);

    private KnowledgeBaseInfo Info(KnowledgeBase kb) => new()
    {
        Name = kb.Name,
        Parent = kb.Meta.Parent,
        Description = kb.Meta.Description,
        CreatedAt = kb.Meta.CreatedAt,
        Owner = kb.Meta.Owner,
        Shared = kb.Meta.Shared,
        JobId = kb.Meta.JobId ?? JobOfDescription(kb.Meta),
        Documents = kb.DocumentCount,
        Chunks = kb.ChunkCount,
        Vectors = kb.Vectors?.Count ?? 0,
        SizeBytes = kb.SizeBytes,
        EmbeddingModel = kb.Vectors is null ? null : _embeddings.Embedder?.ModelId,
    };

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var kb in _open.Values)
        {
            kb.Dispose();
        }

        _open.Clear();
        _analyzer.Dispose();
        _catalog.Dispose();
    }

    internal readonly record struct ChunkRef(int Layer, string ChunkId);
}
