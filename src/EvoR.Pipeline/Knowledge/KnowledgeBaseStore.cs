using System.Collections.Concurrent;
using EvoR.Pipeline.Embeddings;
using EvoR.Pipeline.Retrieval;
using Lucene.Net.Search.Similarities;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EvoR.Pipeline.Knowledge;

/// <summary>
/// <see cref="IKnowledgeBaseStore"/> over folders under <c>Knowledge:RootPath</c>, one per base. Bases open lazily
/// on first use and stay open until the store is disposed; one process owns a root at a time (Lucene's write lock).
/// Validation (<see cref="KnowledgeValidation"/>), ingestion (<see cref="DocumentIngester"/>), the Lucene layout
/// (<see cref="LuceneSchema"/>) and search (<see cref="HybridSearcher"/>) live in their own types; this one keeps the
/// catalogue and the locks.
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
    private readonly DocumentIngester _ingester;
    private readonly HybridSearcher _searcher;
    private readonly ConcurrentDictionary<string, KnowledgeBase> _open = new(StringComparer.Ordinal);

    /// <summary>Serialises changes to the set of bases (create, delete) and listings against them.</summary>
    private readonly SemaphoreSlim _catalog = new(1, 1);

    /// <summary>Makes opening a base from disk happen once; held only while the index opens, never across an await.</summary>
    private readonly Lock _opening = new();
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
        _ingester = new DocumentIngester(_options, embeddings, logger);
        _searcher = new HybridSearcher(_retrieval, new Bm25Queries(_analyzer, _retrieval), _similarity, time);
        Directory.CreateDirectory(_root);
    }

    public async Task<KnowledgeBaseInfo> CreateAsync(string name, KnowledgeBaseSpec? spec = null, CancellationToken cancellationToken = default)
    {
        KnowledgeValidation.Name(name);
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
                var parent = Open(parentName, "parent");
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
            return [.. Metas().Where(m => m.Parent is null).Select(m => m.Name).Order(StringComparer.Ordinal).Select(n => Info(Open(n, "name")))];
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
        KnowledgeValidation.Documents(batch, _options);
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
        KnowledgeValidation.Search(request, k, _retrieval, _embeddings.Embedder is not null);
        var parent = kb.Meta.Parent is { } p ? Get(p) : null;
        var started = _time.GetTimestamp();
        using var activity = _telemetry.Source.StartActivity("knowledge.search");
        activity?.SetTag("evor.knowledge.base", name);
        activity?.SetTag("evor.knowledge.search.mode", request.Mode.ToWireName());

        var layers = parent is null ? new[] { kb } : [kb, parent];
        float[]? queryVector = request.Mode == SearchMode.Bm25 ? null : _embeddings.EmbedQuery(request.Query, cancellationToken);
        var result = _searcher.Search(layers, request, k, queryVector, started);
        _telemetry.RecordSearch(request.Mode.ToWireName(), result.Elapsed);
        KnowledgeLog.Searched(_logger, name, request.Mode.ToWireName(), k, result.Hits.Count, result.Elapsed.TotalMilliseconds);
        return Task.FromResult(result);
    }

    /// <summary>The search itself, over one base or an overlay and its parent, with the query vector given (bench).</summary>
    internal SearchResult Search(KnowledgeBase[] layers, SearchRequest request, int k, float[]? queryVector, long started) =>
        _searcher.Search(layers, request, k, queryVector, started);

    /// <summary>Opens a base by name for in-process callers (bench, tests); throws like the public methods.</summary>
    internal KnowledgeBase Get(string name)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        KnowledgeValidation.Name(name);
        return _open.TryGetValue(name, out var kb) ? kb : Open(name, "name");
    }

    /// <summary>The open base, or the base opened from its folder now; <paramref name="field"/> names it in errors.</summary>
    private KnowledgeBase Open(string name, string field)
    {
        if (_open.TryGetValue(name, out var kb))
        {
            return kb;
        }

        lock (_opening)
        {
            if (_open.TryGetValue(name, out kb))
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
    }

    private IngestResult AddLocked(KnowledgeBase kb, KnowledgeBase? parent, IReadOnlyList<KnowledgeDocument> batch, CancellationToken cancellationToken)
    {
        var plan = _ingester.Plan(kb, parent, batch, cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        kb.Write(plan.Prepared);
        return plan.ToResult();
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
}
