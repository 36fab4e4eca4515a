using System.Text.Json;
using EvoR.Pipeline.Embeddings;
using Microsoft.Extensions.Logging;

namespace EvoR.Pipeline.Knowledge;

/// <summary>
/// Turns a validated batch into what a base writes: each document normalised, unchanged ones and near-duplicates
/// skipped, the rest chunked and (when embeddings are on) embedded. Writes nothing itself.
/// </summary>
internal sealed class DocumentIngester(KnowledgeOptions options, EmbeddingService embeddings, ILogger logger)
{
    /// <summary>What one batch would do to <paramref name="kb"/>, checked against it and, for an overlay, its parent.</summary>
    public IngestPlan Plan(KnowledgeBase kb, KnowledgeBase? parent, IReadOnlyList<KnowledgeDocument> batch, CancellationToken cancellationToken)
    {
        var skipped = new List<SkippedDocument>();
        var prepared = new List<PreparedDocument>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var inBatch = new NearDuplicateIndex(options.NearDuplicateThreshold);
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

            var hash = HashOf(doc);
            var storedHash = kb.DocumentHash(id);
            if (storedHash == hash)
            {
                skipped.Add(new SkippedDocument(id, SkipReason.Unchanged));
                continue;
            }

            var signature = NearDuplicateIndex.Sign(doc.Text);
            if (options.SuppressNearDuplicates &&
                (kb.FindDuplicate(id, signature) ?? parent?.FindDuplicate(id, signature) ?? inBatch.FindDuplicate(id, signature)) is { } duplicateOf)
            {
                skipped.Add(new SkippedDocument(id, SkipReason.NearDuplicate, duplicateOf));
                KnowledgeLog.DocumentSkipped(logger, kb.Name, id, SkipReason.NearDuplicate, duplicateOf);
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

        var (cacheHits, embedded) = Embed(kb, prepared, cancellationToken);
        return new IngestPlan(prepared, added, updated, skipped, cacheHits, embedded);
    }

    /// <summary>A document already accepted elsewhere (a replica following the database), prepared as it was stored.</summary>
    public PreparedDocument Prepare(KnowledgeDocument normalized, string hash) =>
        new(normalized, hash, NearDuplicateIndex.Sign(normalized.Text), Chunk(normalized));

    /// <summary>Embeds the chunks of <paramref name="prepared"/> in one batch; returns (cache hits, computed).</summary>
    public (int CacheHits, int Embedded) Embed(KnowledgeBase kb, IReadOnlyList<PreparedDocument> prepared, CancellationToken cancellationToken)
    {
        if (embeddings.Embedder is null || prepared.Count == 0)
        {
            return (0, 0);
        }

        if (kb.Vectors is { } existing && existing.Count > 0 && existing.Dimensions != embeddings.Embedder.Dimensions)
        {
            throw new KnowledgeException(
                KnowledgeErrorKind.InvalidRequest,
                $"Knowledge base '{kb.Name}' holds {existing.Dimensions}-d vectors but the embedder makes {embeddings.Embedder.Dimensions}-d ones; create a new base for the new model.",
                "documents");
        }

        var texts = prepared.SelectMany(p => p.Chunks.Select(c => c.Text)).ToList();
        var batchResult = embeddings.EmbedDocuments(texts, cancellationToken);
        var offset = 0;
        foreach (var p in prepared)
        {
            p.Vectors = batchResult.Vectors[offset..(offset + p.Chunks.Count)];
            offset += p.Chunks.Count;
        }

        return (batchResult.CacheHits, batchResult.Computed);
    }

    /// <summary>The content hash that decides "unchanged": of the normalised document as stored.</summary>
    public static string HashOf(KnowledgeDocument normalized) => ContentHash.Of(JsonSerializer.Serialize(normalized, LuceneSchema.Json));

    private List<KnowledgeChunk> Chunk(KnowledgeDocument doc)
    {
        var drafts = MarkdownChunker.Chunk(doc.Text, options.MaxChunkTokens, doc.Title);
        if (drafts.Count == 0)
        {
            var text = doc.Text.Trim();
            drafts = [new ChunkDraft("", text, ApproximateTokenCounter.Count(text))];
        }

        return
        [
            .. drafts.Select((d, i) => new KnowledgeChunk
            {
                ChunkId = LuceneSchema.ChunkId(doc.Id!, i),
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
}

/// <summary>What a batch does to a base before it is written: the documents to write and what was skipped.</summary>
internal sealed record IngestPlan(
    IReadOnlyList<PreparedDocument> Prepared,
    int Added,
    int Updated,
    IReadOnlyList<SkippedDocument> Skipped,
    int CacheHits,
    int Embedded)
{
    public IngestResult ToResult() => new()
    {
        Added = Added,
        Updated = Updated,
        Skipped = Skipped.Count,
        Chunks = Prepared.Sum(p => p.Chunks.Count),
        EmbeddingCacheHits = CacheHits,
        Embedded = Embedded,
        SkippedDocuments = Skipped,
        WrittenIds = [.. Prepared.Select(p => p.Id)],
    };
}
