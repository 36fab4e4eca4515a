using System.Collections.Concurrent;
using EvoR.Pipeline.Embeddings;
using EvoR.Pipeline.Knowledge.Sources;
using EvoR.Pipeline.Retrieval;
using Lucene.Net.Search.Similarities;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EvoR.Pipeline.Knowledge;

/// <summary>
/// <see cref="IKnowledgeBaseStore"/> over one local Lucene index per base, in folders under <c>Knowledge:RootPath</c>.
/// Where bases and documents live is the <see cref="IKnowledgeDocumentSource"/>'s business: by default the folders
/// themselves (bases open lazily on first use); with a shared source (PostgreSQL) the indexes are this replica's
/// rebuildable copy, caught up at start and following the source's changes (<c>KnowledgeBaseStore.Replica.cs</c>).
/// Validation (<see cref="KnowledgeValidation"/>), ingestion (<see cref="DocumentIngester"/>), the Lucene layout
/// (<see cref="LuceneSchema"/>) and search (<see cref="HybridSearcher"/>) live in their own types; this one keeps the
/// catalogue and the locks. One process owns a root at a time (Lucene's write lock).
/// </summary>
public sealed partial class KnowledgeBaseStore : IKnowledgeBaseStore, IDisposable, IAsyncDisposable
{
    private readonly KnowledgeOptions _options;
    private readonly RetrievalOptions _retrieval;
    private readonly EmbeddingService _embeddings;
    private readonly KnowledgeTelemetry _telemetry;
    private readonly TimeProvider _time;
    private readonly ILogger<KnowledgeBaseStore> _logger;
    private readonly IKnowledgeDocumentSource _source;
    private readonly string _root;
    private readonly CodeAnalyzer _analyzer = new();
    private readonly BM25Similarity _similarity;
    private readonly DocumentIngester _ingester;
    private readonly HybridSearcher _searcher;
    private readonly ConcurrentDictionary<string, KnowledgeBase> _open = new(StringComparer.Ordinal);

    /// <summary>Serialises changes to the set of bases (create, delete) and listings against them.</summary>
    private readonly SemaphoreSlim _catalog = new(1, 1);

    /// <summary>Makes opening or replacing a base happen once; held only while an index opens, never across an await.</summary>
    private readonly Lock _opening = new();
    private bool _disposed;

    public KnowledgeBaseStore(
        IOptions<KnowledgeOptions> options,
        IOptions<RetrievalOptions> retrieval,
        EmbeddingService embeddings,
        KnowledgeTelemetry telemetry,
        TimeProvider time,
        ILogger<KnowledgeBaseStore> logger)
        : this(options, retrieval, embeddings, telemetry, time, logger, source: null)
    {
    }

    /// <summary>A store on <c>source</c> (where bases and documents live); null for the local folders under <c>Knowledge:RootPath</c>.</summary>
    internal KnowledgeBaseStore(
        IOptions<KnowledgeOptions> options,
        IOptions<RetrievalOptions> retrieval,
        EmbeddingService embeddings,
        KnowledgeTelemetry telemetry,
        TimeProvider time,
        ILogger<KnowledgeBaseStore> logger,
        IKnowledgeDocumentSource? source)
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
        _source = source ?? new LocalDocumentSource(_root);
        _similarity = new BM25Similarity(_retrieval.Bm25K1, _retrieval.Bm25B);
        _ingester = new DocumentIngester(_options, embeddings, logger);
        _searcher = new HybridSearcher(_retrieval, new Bm25Queries(_analyzer, _retrieval), _similarity, time);
        Directory.CreateDirectory(_root);
    }

    public async Task<KnowledgeBaseInfo> CreateAsync(string name, KnowledgeBaseSpec? spec = null, CancellationToken cancellationToken = default)
    {
        KnowledgeValidation.Name(name);
        spec ??= new KnowledgeBaseSpec();
        await StartedAsync(cancellationToken).ConfigureAwait(false);
        await _catalog.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (spec.Parent is { } parentName)
            {
                var parent = await ResolveAsync(parentName, "parent", cancellationToken).ConfigureAwait(false);
                if (parent.Meta.Parent is not null)
                {
                    throw new KnowledgeException(KnowledgeErrorKind.InvalidRequest, $"'{parentName}' is itself an overlay; overlays stack one level deep.", "parent");
                }
            }

            if (spec.Parent is null && (await MetasAsync(cancellationToken).ConfigureAwait(false)).Count(m => m.Parent is null) >= _options.MaxBases)
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
            var sequence = await _source.CreateBaseAsync(meta, cancellationToken).ConfigureAwait(false);
            KnowledgeBase kb;
            if (_source.IsShared)
            {
                await CatchUpAsync(sequence, cancellationToken).ConfigureAwait(false);
                kb = Get(name);
            }
            else
            {
                kb = KnowledgeBase.Create(PathOf(name), meta, _analyzer, _similarity, _options.NearDuplicateThreshold);
                _open[name] = kb;
            }

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
        await StartedAsync(cancellationToken).ConfigureAwait(false);
        await _catalog.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var metas = await MetasAsync(cancellationToken).ConfigureAwait(false);
            return [.. metas.Where(m => m.Parent is null).Select(m => m.Name).Order(StringComparer.Ordinal).Select(n => Info(Open(n, "name")))];
        }
        finally
        {
            _catalog.Release();
        }
    }

    public async Task<KnowledgeBaseInfo> GetAsync(string name, CancellationToken cancellationToken = default) =>
        Info(await ResolveAsync(name, "name", cancellationToken).ConfigureAwait(false));

    public async Task<KnowledgeDocument?> GetDocumentAsync(string name, string documentId, CancellationToken cancellationToken = default) =>
        (await ResolveAsync(name, "name", cancellationToken).ConfigureAwait(false)).GetDocument(documentId);

    public async Task<SearchResult> SearchAsync(string name, SearchRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var kb = await ResolveAsync(name, "name", cancellationToken).ConfigureAwait(false);
        var k = request.K ?? _retrieval.DefaultK;
        KnowledgeValidation.Search(request, k, _retrieval, _embeddings.Embedder is not null);
        var parent = kb.Meta.Parent is { } p ? await ResolveAsync(p, "name", cancellationToken).ConfigureAwait(false) : null;
        var started = _time.GetTimestamp();
        using var activity = _telemetry.Source.StartActivity("knowledge.search");
        activity?.SetTag("evor.knowledge.base", name);
        activity?.SetTag("evor.knowledge.search.mode", request.Mode.ToWireName());

        var layers = parent is null ? new[] { kb } : [kb, parent];
        float[]? queryVector = request.Mode == SearchMode.Bm25 ? null : _embeddings.EmbedQuery(request.Query, cancellationToken);
        var result = _searcher.Search(layers, request, k, queryVector, started);
        _telemetry.RecordSearch(request.Mode.ToWireName(), result.Elapsed);
        KnowledgeLog.Searched(_logger, name, request.Mode.ToWireName(), k, result.Hits.Count, result.Elapsed.TotalMilliseconds);
        return result;
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

    /// <summary>
    /// The base by name, after the store has started. A replica that does not know the name yet catches up with the
    /// source first, so a base made through another replica is found at once.
    /// </summary>
    private async Task<KnowledgeBase> ResolveAsync(string name, string field, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        KnowledgeValidation.Name(name);
        await StartedAsync(cancellationToken).ConfigureAwait(false);
        if (_source.IsShared && !_open.ContainsKey(name))
        {
            await CatchUpAsync(await _source.HeadAsync(cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }

        return Open(name, field);
    }

    /// <summary>The open base, or (local source) the base opened from its folder now; <paramref name="field"/> names it in errors.</summary>
    private KnowledgeBase Open(string name, string field)
    {
        if (_open.TryGetValue(name, out var kb))
        {
            return kb;
        }

        var unknown = new KnowledgeException(KnowledgeErrorKind.UnknownBase, $"No knowledge base named '{name}'.", field);
        if (_source.IsShared)
        {
            // A replica opens every base of the source at start and as they are made; any other name is unknown.
            throw unknown;
        }

        lock (_opening)
        {
            if (_open.TryGetValue(name, out kb))
            {
                return kb;
            }

            var path = PathOf(name);
            var meta = LocalDocumentSource.ReadMeta(path) ?? throw unknown;
            var started = _time.GetTimestamp();
            kb = KnowledgeBase.Open(path, meta, _analyzer, _similarity, _options.NearDuplicateThreshold);
            _open[name] = kb;
            KnowledgeLog.BaseOpened(_logger, name, kb.DocumentCount, kb.ChunkCount, kb.Vectors?.Count ?? 0, _time.GetElapsedTime(started).TotalMilliseconds);
            return kb;
        }
    }

    /// <summary>Every base and overlay: the replica's open bases with a shared source, else the folders on disk.</summary>
    private async Task<IReadOnlyList<KnowledgeBaseMeta>> MetasAsync(CancellationToken cancellationToken) =>
        _source.IsShared
            ? [.. _open.Values.Select(kb => kb.Meta)]
            : [.. (await _source.ListBasesAsync(cancellationToken).ConfigureAwait(false)).Select(b => b.Meta)];

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

    /// <summary>Stops following the source (waiting for a change being applied), then closes every base.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        await StopFollowingAsync().ConfigureAwait(false);
        await _source.DisposeAsync().ConfigureAwait(false);
        Dispose();
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _stop.Cancel();
        foreach (var kb in _open.Values)
        {
            kb.Dispose();
        }

        _open.Clear();
        _analyzer.Dispose();
        _catalog.Dispose();
        _source.Dispose();
    }
}
