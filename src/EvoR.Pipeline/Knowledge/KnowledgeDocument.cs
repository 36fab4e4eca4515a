namespace EvoR.Pipeline.Knowledge;

/// <summary>Where a document came from, kept with every chunk and echoed in every hit.</summary>
public sealed record Provenance
{
    /// <summary>Source file, relative to the ingested folder, when it came from one.</summary>
    public string? File { get; init; }

    /// <summary>URL of a web page.</summary>
    public string? Url { get; init; }

    /// <summary>Problem (task) id whose generation produced it, for feedback and snippets.</summary>
    public string? ProblemId { get; init; }

    /// <summary>EvoR round that produced it (0-based).</summary>
    public int? Round { get; init; }

    /// <summary>Generation job that produced it.</summary>
    public string? JobId { get; init; }

    /// <summary>Overlay it was promoted from into its base, when it was.</summary>
    public string? Overlay { get; init; }
}

/// <summary>A unit of knowledge as given to the store; the store splits it into chunks.</summary>
public sealed record KnowledgeDocument
{
    /// <summary>Stable id within a base; re-adding the same id updates the document. When null the store derives one from the content.</summary>
    public string? Id { get; init; }

    /// <summary>The text (Markdown for documentation). Required, non-empty.</summary>
    public required string Text { get; init; }

    /// <summary>Title; the first Markdown heading when null.</summary>
    public string? Title { get; init; }

    public SourceKind Source { get; init; } = SourceKind.Documentation;

    /// <summary>Programming language the document is about (e.g. <c>python</c>), lower-cased when stored.</summary>
    public string? Language { get; init; }

    /// <summary>Library the document is about (e.g. <c>numpy</c>), lower-cased when stored.</summary>
    public string? Library { get; init; }

    public Provenance? Provenance { get; init; }
}

/// <summary>A stored piece of a document: what retrieval ranks and returns.</summary>
public sealed record KnowledgeChunk
{
    /// <summary><c>{documentId}#{ordinal}</c>.</summary>
    public required string ChunkId { get; init; }

    public required string DocumentId { get; init; }

    /// <summary>Position of the chunk in its document, from 0.</summary>
    public required int Ordinal { get; init; }

    public string? Title { get; init; }

    /// <summary>Heading path of the chunk (<c>Guide &gt; Install</c>), empty when the document has no headings.</summary>
    public string Heading { get; init; } = "";

    /// <summary>The chunk text, heading path first.</summary>
    public required string Text { get; init; }

    public required SourceKind Source { get; init; }

    public string? Language { get; init; }

    public string? Library { get; init; }

    public Provenance? Provenance { get; init; }

    /// <summary>Approximate token count (see <see cref="ApproximateTokenCounter"/>).</summary>
    public required int Tokens { get; init; }

    /// <summary>SHA-256 of the chunk text, hex; the embedding cache key (with the model id).</summary>
    public required string ContentHash { get; init; }
}
