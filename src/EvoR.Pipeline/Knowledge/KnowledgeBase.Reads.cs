using System.Runtime.InteropServices;
using System.Text.Json;
using EvoR.Pipeline.Retrieval;
using static EvoR.Pipeline.Knowledge.LuceneSchema;

namespace EvoR.Pipeline.Knowledge;

/// <summary>The read side of one base: its in-memory document table, rebuilt from the index on open, and stored documents.</summary>
internal sealed partial class KnowledgeBase
{
    private void LoadState()
    {
        var searcher = Searchers.Acquire();
        try
        {
            foreach (var leaf in searcher.IndexReader.Leaves)
            {
                var reader = leaf.AtomicReader;
                var live = reader.LiveDocs;
                for (var d = 0; d < reader.MaxDoc; d++)
                {
                    if (live is not null && !live.Get(d))
                    {
                        continue;
                    }

                    var doc = reader.Document(d);
                    var chunkId = doc.Get(FChunkId);
                    var vector = doc.GetBinaryValue(FVector);
                    if (vector is not null)
                    {
                        var floats = MemoryMarshal.Cast<byte, float>(vector.Bytes.AsSpan(vector.Offset, vector.Length));
                        _vectors ??= new VectorIndex(floats.Length);
                        _vectors.Upsert(chunkId, floats, SourceKinds.Parse(doc.Get(FSource)).Bit(), doc.Get(FLanguage), doc.Get(FLibrary));
                    }

                    if (doc.GetField(FChunkCount) is { } countField)
                    {
                        var id = doc.Get(FDocId);
                        var minHash = doc.GetBinaryValue(FMinHash);
                        var signature = new NearDuplicateSignature(
                            minHash is null ? null : NearDuplicateIndex.FromBytes(minHash.Bytes.AsSpan(minHash.Offset, minHash.Length)),
                            doc.Get(FExactKey));
                        _docs[id] = new DocEntry(doc.Get(FDocHash), countField.GetInt32Value() ?? 0);
                        _duplicates.Add(id, signature);
                    }
                }
            }
        }
        finally
        {
            Searchers.Release(searcher);
        }
    }

    public int DocumentCount
    {
        get
        {
            lock (_gate)
            {
                return _docs.Count;
            }
        }
    }

    public int ChunkCount
    {
        get
        {
            lock (_gate)
            {
                return _docs.Values.Sum(d => d.Chunks);
            }
        }
    }

    /// <summary>Bytes on disk. Lucene replaces its segment files as it commits, and a replica's follower removes the folder
    /// of a base deleted through another replica: a file (or the folder) gone between listing and measuring counts as gone.</summary>
    public long SizeBytes
    {
        get
        {
            long total = 0;
            try
            {
                foreach (var file in new DirectoryInfo(Path).EnumerateFiles("*", SearchOption.AllDirectories))
                {
                    try
                    {
                        total += file.Length;
                    }
                    catch (FileNotFoundException)
                    {
                    }
                }
            }
            catch (DirectoryNotFoundException)
            {
            }

            return total;
        }
    }

    public string? DocumentHash(string id)
    {
        lock (_gate)
        {
            return _docs.TryGetValue(id, out var entry) ? entry.Hash : null;
        }
    }

    public bool Contains(string id)
    {
        lock (_gate)
        {
            return _docs.ContainsKey(id);
        }
    }

    public string[] DocumentIds()
    {
        lock (_gate)
        {
            return [.. _docs.Keys.Order(StringComparer.Ordinal)];
        }
    }

    public string? FindDuplicate(string id, NearDuplicateSignature signature)
    {
        lock (_gate)
        {
            return _duplicates.FindDuplicate(id, signature);
        }
    }

    /// <summary>Chunk ids of the given documents that this base holds.</summary>
    public List<string> ChunkIdsOf(IEnumerable<string> documentIds)
    {
        lock (_gate)
        {
            var keys = new List<string>();
            foreach (var id in documentIds)
            {
                if (_docs.TryGetValue(id, out var entry))
                {
                    for (var i = 0; i < entry.Chunks; i++)
                    {
                        keys.Add(ChunkId(id, i));
                    }
                }
            }

            return keys;
        }
    }

    public KnowledgeDocument? GetDocument(string id)
    {
        var searcher = Searchers.Acquire();
        try
        {
            var doc = FindChunk(searcher, ChunkId(id, 0));
            return doc?.Get(FDocument) is { } json ? JsonSerializer.Deserialize<KnowledgeDocument>(json, Json) : null;
        }
        finally
        {
            Searchers.Release(searcher);
        }
    }
}
