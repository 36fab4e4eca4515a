using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using EvoR.Pipeline.Knowledge;
using EvoR.Pipeline.Retrieval;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EvoR.Pipeline.Embeddings;

/// <summary>Vectors for stored text (through the content-hash cache) and for queries (through a small memory cache).</summary>
public readonly record struct EmbeddingBatch(float[][] Vectors, int CacheHits, int Computed);

/// <summary>
/// The store's one way to embed: document text goes through the persistent <see cref="EmbeddingCache"/>, queries
/// through a bounded in-memory cache (<c>Retrieval:QueryCacheSize</c>). Null <see cref="Embedder"/> when
/// <c>Embeddings:Enabled</c> is false.
/// </summary>
public sealed class EmbeddingService : IDisposable
{
    private readonly Lazy<EmbeddingCache?> _cache;
    private readonly ConcurrentDictionary<string, float[]> _queries = new(StringComparer.Ordinal);
    private readonly int _queryCacheSize;
    private readonly EmbeddingTelemetry _telemetry;

    public EmbeddingService(
        ITextEmbedder? embedder,
        IOptions<EmbeddingOptions> embeddingOptions,
        IOptions<KnowledgeOptions> knowledgeOptions,
        IOptions<RetrievalOptions> retrievalOptions,
        EmbeddingTelemetry telemetry,
        ILogger<EmbeddingCache> cacheLogger)
    {
        ArgumentNullException.ThrowIfNull(embeddingOptions);
        ArgumentNullException.ThrowIfNull(knowledgeOptions);
        ArgumentNullException.ThrowIfNull(retrievalOptions);
        var options = embeddingOptions.Value;
        Embedder = options.Enabled ? embedder : null;
        _telemetry = telemetry;
        _queryCacheSize = retrievalOptions.Value.QueryCacheSize;
        _cache = new Lazy<EmbeddingCache?>(() => Embedder is null || !options.CacheEnabled
            ? null
            : new EmbeddingCache(
                Path.Combine(knowledgeOptions.Value.RootPath, "_embeddings", Sanitize(Embedder.ModelId) + ".bin"),
                Embedder.Dimensions,
                options.CacheMaxEntries,
                cacheLogger));
    }

    public ITextEmbedder? Embedder { get; }

    /// <summary>Cached vectors (0 when the cache is off or not yet opened).</summary>
    public int CachedCount => _cache.IsValueCreated ? _cache.Value?.Count ?? 0 : 0;

    public EmbeddingBatch EmbedDocuments(IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
    {
        var embedder = Embedder ?? throw new InvalidOperationException("Embeddings are disabled.");
        var cache = _cache.Value;
        var vectors = new float[texts.Count][];
        var keys = new byte[texts.Count][];
        var missing = new List<int>();
        for (var i = 0; i < texts.Count; i++)
        {
            keys[i] = SHA256.HashData(Encoding.UTF8.GetBytes(embedder.ModelId + "\n" + texts[i]));
            if (cache is null || !cache.TryGet(keys[i], out vectors[i]))
            {
                missing.Add(i);
            }
        }

        // The same text twice in one batch is embedded once.
        var unique = missing.GroupBy(i => texts[i], StringComparer.Ordinal).ToList();
        if (unique.Count > 0)
        {
            var computed = embedder.Embed(unique.Select(g => g.Key).ToList(), cancellationToken);
            var added = new List<(byte[], float[])>(unique.Count);
            for (var u = 0; u < unique.Count; u++)
            {
                foreach (var i in unique[u])
                {
                    vectors[i] = computed[u];
                }

                added.Add((keys[unique[u].First()], computed[u]));
            }

            cache?.AddRange(added);
        }

        _telemetry.RecordCache(texts.Count - missing.Count, missing.Count);
        return new EmbeddingBatch(vectors, texts.Count - missing.Count, unique.Count);
    }

    public float[] EmbedQuery(string query, CancellationToken cancellationToken = default)
    {
        var embedder = Embedder ?? throw new InvalidOperationException("Embeddings are disabled.");
        if (_queries.TryGetValue(query, out var cached))
        {
            return cached;
        }

        var vector = embedder.Embed([query], cancellationToken)[0];
        if (_queryCacheSize > 0)
        {
            if (_queries.Count >= _queryCacheSize)
            {
                _queries.Clear();
            }

            _queries[query] = vector;
        }

        return vector;
    }

    private static string Sanitize(string modelId) =>
        string.Concat(modelId.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));

    public void Dispose()
    {
        if (_cache.IsValueCreated)
        {
            _cache.Value?.Dispose();
        }
    }
}
