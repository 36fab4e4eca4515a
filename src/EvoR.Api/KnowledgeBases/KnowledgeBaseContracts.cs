using EvoR.Pipeline.Knowledge;

namespace EvoR.Api.KnowledgeBases;

/// <summary>Body of <c>POST /v1/knowledge-bases</c>.</summary>
public sealed record CreateKnowledgeBaseBody
{
    /// <summary>1–64 of a-z, 0-9, '.', '_', '-', starting with a letter or digit. Required.</summary>
    public string? Name { get; init; }

    /// <summary>Free text shown in listings.</summary>
    public string? Description { get; init; }

    /// <summary>With API keys: true lets every other key read and search the base (never write it: 403); false (the
    /// default) keeps it private to the key that creates it (404 for others).</summary>
    public bool? Shared { get; init; }
}

/// <summary>A knowledge base and its sizes.</summary>
public sealed record KnowledgeBaseResponse
{
    public required string Name { get; init; }

    public string? Description { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Name of the API key that owns it; null when made without keys.</summary>
    public string? Owner { get; init; }

    /// <summary>Other keys may read and search it.</summary>
    public required bool Shared { get; init; }

    /// <summary>For an overlay: the base it overlays.</summary>
    public string? Parent { get; init; }

    /// <summary>For an overlay: the generation job it belongs to.</summary>
    public string? JobId { get; init; }

    public required int Documents { get; init; }

    public required int Chunks { get; init; }

    /// <summary>Chunks with an embedding (0 when embeddings are disabled).</summary>
    public required int Vectors { get; init; }

    public required long SizeBytes { get; init; }

    public string? EmbeddingModel { get; init; }

    internal static KnowledgeBaseResponse From(KnowledgeBaseInfo info) => new()
    {
        Name = info.Name,
        Description = info.Description,
        CreatedAt = info.CreatedAt,
        Owner = info.Owner,
        Shared = info.Shared,
        Parent = info.Parent,
        JobId = info.JobId,
        Documents = info.Documents,
        Chunks = info.Chunks,
        Vectors = info.Vectors,
        SizeBytes = info.SizeBytes,
        EmbeddingModel = info.EmbeddingModel,
    };
}

/// <summary>Body of <c>GET /v1/knowledge-bases</c>.</summary>
public sealed record KnowledgeBaseListResponse
{
    /// <summary>Every base, by name.</summary>
    public required IReadOnlyList<KnowledgeBaseResponse> KnowledgeBases { get; init; }
}

/// <summary>
/// One document of <c>POST /v1/knowledge-bases/{name}/documents</c> (an element of the JSON array, or one line of
/// JSON Lines).
/// </summary>
public sealed record DocumentBody
{
    /// <summary>Stable id within the base; re-sending an id updates that document. Derived from the content when
    /// omitted.</summary>
    public string? Id { get; init; }

    public string? Title { get; init; }

    /// <summary>The text (Markdown for documentation). Required.</summary>
    public string? Text { get; init; }

    /// <summary><c>documentation</c>, <c>web</c>, <c>executionFeedback</c> or <c>codeSnippet</c>
    /// (<c>execution_feedback</c> and <c>code_snippet</c> are accepted too). Required.</summary>
    public string? Source { get; init; }

    /// <summary>Programming language the document is about (e.g. <c>python</c>).</summary>
    public string? Language { get; init; }

    /// <summary>Library the document is about (e.g. <c>numpy</c>).</summary>
    public string? Library { get; init; }

    /// <summary>Where a web page came from.</summary>
    public string? Url { get; init; }
}

/// <summary>A document that was not written, and why.</summary>
public sealed record SkippedDocumentResponse
{
    public required string Id { get; init; }

    /// <summary><c>unchanged</c>, <c>nearDuplicate</c> or <c>duplicateInRequest</c>.</summary>
    public required string Reason { get; init; }

    /// <summary>The stored document it nearly duplicates.</summary>
    public string? DuplicateOf { get; init; }
}

/// <summary>What an add did.</summary>
public sealed record AddDocumentsResponse
{
    public required int Added { get; init; }

    public required int Updated { get; init; }

    /// <summary>Unchanged documents and duplicates (see <see cref="SkippedDocuments"/>).</summary>
    public required int Skipped { get; init; }

    /// <summary>Chunks written.</summary>
    public required int Chunks { get; init; }

    public required IReadOnlyList<SkippedDocumentResponse> SkippedDocuments { get; init; }

    /// <summary>Ids of the documents added or updated, in request order.</summary>
    public required IReadOnlyList<string> WrittenIds { get; init; }

    internal static AddDocumentsResponse From(IngestResult result) => new()
    {
        Added = result.Added,
        Updated = result.Updated,
        Skipped = result.Skipped,
        Chunks = result.Chunks,
        SkippedDocuments = [.. result.SkippedDocuments.Select(s => new SkippedDocumentResponse
        {
            Id = s.Id,
            Reason = s.Reason switch
            {
                SkipReason.Unchanged => "unchanged",
                SkipReason.NearDuplicate => "nearDuplicate",
                _ => "duplicateInRequest",
            },
            DuplicateOf = s.DuplicateOf,
        })],
        WrittenIds = result.WrittenIds,
    };
}

/// <summary>One ranked chunk and how it was found.</summary>
public sealed record SearchHitResponse
{
    /// <summary>Id of the document the chunk belongs to.</summary>
    public required string Id { get; init; }

    /// <summary><c>{id}#{ordinal}</c>.</summary>
    public required string ChunkId { get; init; }

    public string? Title { get; init; }

    /// <summary>Heading path of the chunk (<c>Guide &gt; Install</c>), empty when the document has none.</summary>
    public required string Heading { get; init; }

    public required string Text { get; init; }

    public required string Source { get; init; }

    public string? Language { get; init; }

    public string? Library { get; init; }

    public string? Url { get; init; }

    /// <summary>Source file (relative path) of a document uploaded from files.</summary>
    public string? File { get; init; }

    /// <summary>Generation job that produced the document, when one did.</summary>
    public string? JobId { get; init; }

    /// <summary>Overlay the document was promoted from, when it was.</summary>
    public string? PromotedFrom { get; init; }

    /// <summary>Base the chunk is stored in.</summary>
    public required string KnowledgeBase { get; init; }

    /// <summary>Fused reciprocal-rank score in hybrid mode, else the retriever's own score.</summary>
    public required double Score { get; init; }

    /// <summary>Which retrievers ranked it: <c>bm25</c>, <c>dense</c>.</summary>
    public required IReadOnlyList<string> Retrievers { get; init; }

    /// <summary>1-based BM25 rank, when BM25 found it.</summary>
    public int? Bm25Rank { get; init; }

    public float? Bm25Score { get; init; }

    /// <summary>1-based dense rank, when dense retrieval found it.</summary>
    public int? DenseRank { get; init; }

    /// <summary>Cosine similarity, when dense retrieval found it.</summary>
    public float? DenseScore { get; init; }

    /// <summary>Approximate tokens of <see cref="Text"/>.</summary>
    public required int Tokens { get; init; }

    internal static SearchHitResponse From(SearchHit hit)
    {
        var retrievers = new List<string>(2);
        if (hit.FoundBy.HasFlag(EvoR.Pipeline.Knowledge.Retrievers.Bm25))
        {
            retrievers.Add("bm25");
        }

        if (hit.FoundBy.HasFlag(EvoR.Pipeline.Knowledge.Retrievers.Dense))
        {
            retrievers.Add("dense");
        }

        var chunk = hit.Chunk;
        return new SearchHitResponse
        {
            Id = chunk.DocumentId,
            ChunkId = chunk.ChunkId,
            Title = chunk.Title,
            Heading = chunk.Heading,
            Text = chunk.Text,
            Source = SourceWireNames.Format(chunk.Source),
            Language = chunk.Language,
            Library = chunk.Library,
            Url = chunk.Provenance?.Url,
            File = chunk.Provenance?.File,
            JobId = chunk.Provenance?.JobId,
            PromotedFrom = chunk.Provenance?.Overlay,
            KnowledgeBase = hit.KnowledgeBase,
            Score = hit.Score,
            Retrievers = retrievers,
            Bm25Rank = hit.Bm25Rank,
            Bm25Score = hit.Bm25Score,
            DenseRank = hit.DenseRank,
            DenseScore = hit.DenseScore,
            Tokens = chunk.Tokens,
        };
    }
}

/// <summary>Body of <c>GET /v1/knowledge-bases/{name}/search</c>.</summary>
public sealed record SearchResponse
{
    public required string KnowledgeBase { get; init; }

    /// <summary><c>bm25</c>, <c>dense</c> or <c>hybrid</c>.</summary>
    public required string Mode { get; init; }

    /// <summary>Best first.</summary>
    public required IReadOnlyList<SearchHitResponse> Hits { get; init; }

    /// <summary>Approximate tokens of all returned hits.</summary>
    public required int Tokens { get; init; }

    public required double ElapsedMs { get; init; }

    internal static SearchResponse From(SearchResult result) => new()
    {
        KnowledgeBase = result.KnowledgeBase,
        Mode = result.Mode.ToWireName(),
        Hits = [.. result.Hits.Select(SearchHitResponse.From)],
        Tokens = result.Tokens,
        ElapsedMs = result.Elapsed.TotalMilliseconds,
    };
}

/// <summary>The API's names of <see cref="SourceKind"/> (camelCase, like every other member of this API).</summary>
internal static class SourceWireNames
{
    public static IReadOnlyList<string> All { get; } = [.. SourceKinds.All.Select(Format)];

    public static string Format(SourceKind kind) => kind switch
    {
        SourceKind.Web => "web",
        SourceKind.ExecutionFeedback => "executionFeedback",
        SourceKind.CodeSnippet => "codeSnippet",
        _ => "documentation",
    };

    /// <summary>An API name or one of the pipeline's names and aliases (case-insensitive), or null when unknown.</summary>
    public static SourceKind? TryParse(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        try
        {
            return SourceKinds.Parse(value);
        }
        catch (KnowledgeException)
        {
            return null;
        }
    }
}
