namespace EvoR.Pipeline.Knowledge;

/// <summary>What <c>base.json</c> holds.</summary>
internal sealed record KnowledgeBaseMeta
{
    public required string Name { get; init; }

    public string? Parent { get; init; }

    public string? Description { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Name of the API key that made the base (for an overlay: its job's key); null without keys.</summary>
    public string? Owner { get; init; }

    /// <summary>Other keys may read and search the base (never write it).</summary>
    public bool Shared { get; init; }

    /// <summary>Generation job whose overlay this is.</summary>
    public string? JobId { get; init; }

    public int FormatVersion { get; init; } = 1;
}

/// <summary>A document ready to be written: its chunks and, when embeddings are on, one vector per chunk.</summary>
internal sealed record PreparedDocument(
    KnowledgeDocument Document,
    string DocumentHash,
    NearDuplicateSignature Signature,
    IReadOnlyList<KnowledgeChunk> Chunks)
{
    public string Id => Document.Id!;

    public float[][]? Vectors { get; set; }
}
