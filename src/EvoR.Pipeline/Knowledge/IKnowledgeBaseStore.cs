namespace EvoR.Pipeline.Knowledge;

/// <summary>
/// Named, persistent knowledge bases. A base is either shared or an overlay on one shared base: an overlay grows
/// during one generation job, searches see both layers (an overlay document shadows a parent document with the same
/// id), and <see cref="PromoteAsync"/> moves overlay documents into the parent. Every method throws
/// <see cref="KnowledgeException"/> for requests that cannot be served; its <see cref="KnowledgeException.Kind"/> says
/// which (unknown base → 404, empty query / invalid source kind → 400, oversized document → 413).
/// </summary>
public interface IKnowledgeBaseStore
{
    /// <summary>Creates a base; with <see cref="KnowledgeBaseSpec.Parent"/>, an overlay on that shared base.</summary>
    Task<KnowledgeBaseInfo> CreateAsync(string name, KnowledgeBaseSpec? spec = null, CancellationToken cancellationToken = default);

    /// <summary>Every base with its sizes, by name; overlays are not bases and are not listed (see <see cref="ListOverlaysAsync"/>).</summary>
    Task<IReadOnlyList<KnowledgeBaseInfo>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>The overlays on <paramref name="parent"/> (all overlays when null), by name.</summary>
    Task<IReadOnlyList<KnowledgeBaseInfo>> ListOverlaysAsync(string? parent, CancellationToken cancellationToken = default);

    Task<KnowledgeBaseInfo> GetAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Deletes a base and its files; a base's overlays go with it.</summary>
    Task DeleteAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>
    /// Adds or updates documents (same id → update), skipping unchanged documents and near-duplicates of documents
    /// stored under another id (in the base or, for an overlay, its parent). All documents are validated before
    /// anything is written; the batch is then committed at once.
    /// </summary>
    Task<IngestResult> AddDocumentsAsync(string name, IEnumerable<KnowledgeDocument> documents, CancellationToken cancellationToken = default);

    /// <summary>Removes documents by id; returns how many existed.</summary>
    Task<int> RemoveDocumentsAsync(string name, IEnumerable<string> documentIds, CancellationToken cancellationToken = default);

    /// <summary>A stored document as it was added, or null.</summary>
    Task<KnowledgeDocument?> GetDocumentAsync(string name, string documentId, CancellationToken cancellationToken = default);

    Task<SearchResult> SearchAsync(string name, SearchRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Moves overlay documents (all when <paramref name="documentIds"/> is null) into the parent base, then removes
    /// them from the overlay. Each keeps its provenance, with the overlay and its job added
    /// (<see cref="Provenance.Overlay"/>, <see cref="Provenance.JobId"/>). Returns what the parent did with them.
    /// </summary>
    Task<IngestResult> PromoteAsync(string overlayName, IEnumerable<string>? documentIds = null, CancellationToken cancellationToken = default);
}

/// <summary>How a base is created.</summary>
public sealed record KnowledgeBaseSpec
{
    /// <summary>Shared base this one overlays, or null for a shared base.</summary>
    public string? Parent { get; init; }

    public string? Description { get; init; }

    /// <summary>Name of the API key that makes the base; null on a service without keys.</summary>
    public string? Owner { get; init; }

    /// <summary>Other keys may read and search the base, not write it. Default false: private to <see cref="Owner"/>.</summary>
    public bool Shared { get; init; }

    /// <summary>For an overlay: the generation job it belongs to.</summary>
    public string? JobId { get; init; }
}

/// <summary>A base and its sizes.</summary>
public sealed record KnowledgeBaseInfo
{
    public required string Name { get; init; }

    public string? Parent { get; init; }

    public string? Description { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>API key that owns it, or null (made without keys).</summary>
    public string? Owner { get; init; }

    public bool Shared { get; init; }

    /// <summary>For an overlay: its generation job (from its metadata, or else its description).</summary>
    public string? JobId { get; init; }

    public required int Documents { get; init; }

    public required int Chunks { get; init; }

    /// <summary>Chunks with an embedding (0 when embeddings are disabled).</summary>
    public required int Vectors { get; init; }

    /// <summary>Bytes on disk.</summary>
    public required long SizeBytes { get; init; }

    /// <summary>Embedding model of the stored vectors, or null.</summary>
    public string? EmbeddingModel { get; init; }
}

public enum SkipReason
{
    /// <summary>Same id, same content as stored.</summary>
    Unchanged,

    /// <summary>Nearly the same text as a document stored under another id.</summary>
    NearDuplicate,

    /// <summary>The id appeared earlier in the same request.</summary>
    DuplicateInRequest,
}

public sealed record SkippedDocument(string Id, SkipReason Reason, string? DuplicateOf = null);

/// <summary>What an add did.</summary>
public sealed record IngestResult
{
    public required int Added { get; init; }

    public required int Updated { get; init; }

    public required int Skipped { get; init; }

    /// <summary>Chunks written.</summary>
    public required int Chunks { get; init; }

    /// <summary>Chunks whose vector came from the embedding cache.</summary>
    public required int EmbeddingCacheHits { get; init; }

    /// <summary>Texts the model embedded.</summary>
    public required int Embedded { get; init; }

    public IReadOnlyList<SkippedDocument> SkippedDocuments { get; init; } = [];

    /// <summary>Ids of the documents added or updated, in request order.</summary>
    public IReadOnlyList<string> WrittenIds { get; init; } = [];
}

public enum SearchMode
{
    Bm25,
    Dense,
    Hybrid,
}

/// <summary>Which retrievers ranked a hit.</summary>
[Flags]
public enum Retrievers
{
    None = 0,
    Bm25 = 1,
    Dense = 2,
}

public static class SearchModes
{
    /// <summary>Parses <c>bm25</c>, <c>dense</c> or <c>hybrid</c> (case-insensitive).</summary>
    public static SearchMode Parse(string? value) => value?.Trim().ToUpperInvariant() switch
    {
        "BM25" => SearchMode.Bm25,
        "DENSE" => SearchMode.Dense,
        "HYBRID" or null or "" => SearchMode.Hybrid,
        _ => throw new KnowledgeException(KnowledgeErrorKind.InvalidRequest, $"Unknown search mode '{value}'; expected bm25, dense or hybrid.", "mode"),
    };

    public static string ToWireName(this SearchMode mode) => mode switch
    {
        SearchMode.Bm25 => "bm25",
        SearchMode.Dense => "dense",
        _ => "hybrid",
    };
}

/// <summary>A search. Null members take the <c>Retrieval</c> defaults.</summary>
public sealed record SearchRequest
{
    public required string Query { get; init; }

    public SearchMode Mode { get; init; } = SearchMode.Hybrid;

    /// <summary>Hits to return, 1–<c>Retrieval:MaxK</c>.</summary>
    public int? K { get; init; }

    /// <summary>Only these source kinds; all when null or empty.</summary>
    public IReadOnlyList<SourceKind>? Sources { get; init; }

    /// <summary>Only these languages (case-insensitive); all when null or empty.</summary>
    public IReadOnlyList<string>? Languages { get; init; }

    /// <summary>Only these libraries (case-insensitive); all when null or empty.</summary>
    public IReadOnlyList<string>? Libraries { get; init; }

    /// <summary>Most tokens of hit text returned (whole chunks only); 0 for none, null for <c>Retrieval:DefaultTokenBudget</c>.</summary>
    public int? TokenBudget { get; init; }

    public double? Bm25Weight { get; init; }

    public double? DenseWeight { get; init; }
}

/// <summary>One ranked chunk and how it was found.</summary>
public sealed record SearchHit
{
    public required KnowledgeChunk Chunk { get; init; }

    /// <summary>Base the chunk is stored in (the overlay or its parent).</summary>
    public required string KnowledgeBase { get; init; }

    public required Retrievers FoundBy { get; init; }

    /// <summary>Final score: fused RRF score in hybrid mode, else the retriever's own score.</summary>
    public required double Score { get; init; }

    /// <summary>1-based BM25 rank, when BM25 found it.</summary>
    public int? Bm25Rank { get; init; }

    public float? Bm25Score { get; init; }

    /// <summary>1-based dense rank, when dense retrieval found it.</summary>
    public int? DenseRank { get; init; }

    /// <summary>Cosine similarity, when dense retrieval found it.</summary>
    public float? DenseScore { get; init; }
}

public sealed record SearchResult
{
    public required string KnowledgeBase { get; init; }

    public required SearchMode Mode { get; init; }

    public required IReadOnlyList<SearchHit> Hits { get; init; }

    /// <summary>Tokens of all returned chunks.</summary>
    public required int Tokens { get; init; }

    /// <summary>The budget applied, or null when none.</summary>
    public int? TokenBudget { get; init; }

    /// <summary>Ranked chunks left out because they did not fit the budget.</summary>
    public int OmittedForBudget { get; init; }

    public required TimeSpan Elapsed { get; init; }
}
