using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Lucene.Net.Documents;
using Lucene.Net.Index;
using Lucene.Net.Search;
using Lucene.Net.Util;
using LuceneDocument = Lucene.Net.Documents.Document;

namespace EvoR.Pipeline.Knowledge;

/// <summary>
/// How a base is laid out in Lucene: one Lucene document per chunk, the first chunk of a document also holding the
/// document itself (JSON), its hash and near-duplicate signature; and the lookups from a hit back to its chunk.
/// </summary>
internal static class LuceneSchema
{
    public const string FChunkId = "chunk_id";
    public const string FDocId = "doc_id";
    public const string FOrdinal = "ordinal";
    public const string FTitle = "title";
    public const string FHeading = "heading";
    public const string FText = "text";
    public const string FSource = "source";
    public const string FLanguage = "language";
    public const string FLibrary = "library";
    public const string FProvenance = "provenance";
    public const string FChunkHash = "chunk_hash";
    public const string FTokens = "tokens";
    public const string FVector = "vector";
    public const string FDocument = "document";
    public const string FDocHash = "doc_hash";
    public const string FMinHash = "minhash";
    public const string FExactKey = "exact_key";
    public const string FChunkCount = "chunk_count";

    /// <summary>Doc-values copy of the chunk id: maps a BM25 hit to its chunk without loading stored fields.</summary>
    public const string FChunkIdValues = "chunk_id_dv";

    /// <summary>Stored fields a hit needs (not the vector, not the document JSON).</summary>
    public static readonly ISet<string> ChunkFields = new HashSet<string>(StringComparer.Ordinal)
    {
        FChunkId, FDocId, FOrdinal, FTitle, FHeading, FText, FSource, FLanguage, FLibrary, FProvenance, FChunkHash, FTokens,
    };

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public static string ChunkId(string documentId, int ordinal) => $"{documentId}#{ordinal}";


    /// <summary>The stored Lucene document of a chunk (with <paramref name="fields"/> only, when given), or null.</summary>
    public static LuceneDocument? FindChunk(IndexSearcher searcher, string chunkId, ISet<string>? fields = null)
    {
        // A direct terms-dictionary lookup per segment: much cheaper than running a TermQuery.
        var term = new Term(FChunkId, chunkId);
        foreach (var leaf in searcher.IndexReader.Leaves)
        {
            var docs = leaf.AtomicReader.GetTermDocsEnum(term);
            if (docs is null)
            {
                continue;
            }

            var live = leaf.AtomicReader.LiveDocs;
            for (var doc = docs.NextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = docs.NextDoc())
            {
                if (live is null || live.Get(doc))
                {
                    var global = leaf.DocBase + doc;
                    return fields is null ? searcher.Doc(global) : searcher.Doc(global, fields);
                }
            }
        }

        return null;
    }

    /// <summary>Chunk id of a top-level doc id, from doc values (stored field as fallback).</summary>
    public static string ChunkIdOf(IndexSearcher searcher, int doc, Dictionary<int, BinaryDocValues?> cache, BytesRef scratch)
    {
        var leaves = searcher.IndexReader.Leaves;
        var leaf = leaves[ReaderUtil.SubIndex(doc, leaves)];
        if (!cache.TryGetValue(leaf.Ord, out var values))
        {
            cache[leaf.Ord] = values = leaf.AtomicReader.GetBinaryDocValues(FChunkIdValues);
        }

        if (values is null)
        {
            return searcher.Doc(doc, new HashSet<string> { FChunkId }).Get(FChunkId);
        }

        values.Get(doc - leaf.DocBase, scratch);
        return scratch.Utf8ToString();
    }

    /// <summary>The document id part of a chunk id.</summary>
    public static string DocumentIdOf(string chunkId) => chunkId[..chunkId.LastIndexOf('#')];

    public static KnowledgeChunk ToChunk(LuceneDocument doc)
    {
        var provenance = doc.Get(FProvenance);
        return new KnowledgeChunk
        {
            ChunkId = doc.Get(FChunkId),
            DocumentId = doc.Get(FDocId),
            Ordinal = doc.GetField(FOrdinal)?.GetInt32Value() ?? 0,
            Title = doc.Get(FTitle),
            Heading = doc.Get(FHeading) ?? "",
            Text = doc.Get(FText),
            Source = SourceKinds.Parse(doc.Get(FSource)),
            Language = doc.Get(FLanguage),
            Library = doc.Get(FLibrary),
            Provenance = provenance is null ? null : JsonSerializer.Deserialize<Provenance>(provenance, Json),
            Tokens = doc.GetField(FTokens)?.GetInt32Value() ?? 0,
            ContentHash = doc.Get(FChunkHash),
        };
    }

    public static List<LuceneDocument> ToLucene(PreparedDocument p)
    {
        var docs = new List<LuceneDocument>(p.Chunks.Count);
        var provenance = p.Document.Provenance is { } prov ? JsonSerializer.Serialize(prov, Json) : null;
        for (var i = 0; i < p.Chunks.Count; i++)
        {
            var c = p.Chunks[i];
            var doc = new LuceneDocument
            {
                new StringField(FChunkId, c.ChunkId, Field.Store.YES),
                new BinaryDocValuesField(FChunkIdValues, new BytesRef(c.ChunkId)),
                new StringField(FDocId, c.DocumentId, Field.Store.YES),
                new StoredField(FOrdinal, c.Ordinal),
                new TextField(FText, c.Text, Field.Store.YES),
                new StringField(FSource, c.Source.ToWireName(), Field.Store.YES),
                new StoredField(FTokens, c.Tokens),
                new StoredField(FChunkHash, c.ContentHash),
                new StoredField(FHeading, c.Heading),
            };
            if (c.Title is not null)
            {
                doc.Add(new StoredField(FTitle, c.Title));
            }

            if (c.Language is not null)
            {
                doc.Add(new StringField(FLanguage, c.Language, Field.Store.YES));
            }

            if (c.Library is not null)
            {
                doc.Add(new StringField(FLibrary, c.Library, Field.Store.YES));
            }

            if (provenance is not null)
            {
                doc.Add(new StoredField(FProvenance, provenance));
            }

            if (p.Vectors is { } vectors)
            {
                doc.Add(new StoredField(FVector, new BytesRef(MemoryMarshal.AsBytes(vectors[i].AsSpan()).ToArray())));
            }

            if (i == 0)
            {
                doc.Add(new StoredField(FDocument, JsonSerializer.Serialize(p.Document, Json)));
                doc.Add(new StoredField(FDocHash, p.DocumentHash));
                doc.Add(new StoredField(FExactKey, p.Signature.ExactKey));
                doc.Add(new StoredField(FChunkCount, p.Chunks.Count));
                if (p.Signature.MinHashes is { } mins)
                {
                    doc.Add(new StoredField(FMinHash, new BytesRef(NearDuplicateIndex.ToBytes(mins))));
                }
            }

            docs.Add(doc);
        }

        return docs;
    }
}
