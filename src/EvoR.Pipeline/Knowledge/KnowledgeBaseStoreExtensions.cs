namespace EvoR.Pipeline.Knowledge;

public static class KnowledgeBaseStoreExtensions
{
    /// <summary>
    /// Adds a stream of documents (e.g. from <see cref="KnowledgeIngestion.ReadJsonLinesAsync"/> or
    /// <see cref="KnowledgeIngestion.ReadMarkdownFolderAsync"/>) in batches of <paramref name="batchSize"/>, each
    /// committed on its own; returns the summed result. A failing batch stops the stream; earlier batches stay.
    /// </summary>
    public static async Task<IngestResult> AddDocumentsAsync(
        this IKnowledgeBaseStore store,
        string name,
        IAsyncEnumerable<KnowledgeDocument> documents,
        int batchSize = 1000,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(documents);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var total = new IngestResult { Added = 0, Updated = 0, Skipped = 0, Chunks = 0, EmbeddingCacheHits = 0, Embedded = 0 };
        var batch = new List<KnowledgeDocument>(batchSize);
        await foreach (var document in documents.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            batch.Add(document);
            if (batch.Count == batchSize)
            {
                total = Sum(total, await store.AddDocumentsAsync(name, batch, cancellationToken).ConfigureAwait(false));
                batch = new List<KnowledgeDocument>(batchSize);
            }
        }

        return batch.Count == 0 ? total : Sum(total, await store.AddDocumentsAsync(name, batch, cancellationToken).ConfigureAwait(false));
    }

    private static IngestResult Sum(IngestResult a, IngestResult b) => new()
    {
        Added = a.Added + b.Added,
        Updated = a.Updated + b.Updated,
        Skipped = a.Skipped + b.Skipped,
        Chunks = a.Chunks + b.Chunks,
        EmbeddingCacheHits = a.EmbeddingCacheHits + b.EmbeddingCacheHits,
        Embedded = a.Embedded + b.Embedded,
        SkippedDocuments = [.. a.SkippedDocuments, .. b.SkippedDocuments],
        WrittenIds = [.. a.WrittenIds, .. b.WrittenIds],
    };
}
