using System.ComponentModel.DataAnnotations;

namespace EvoR.Pipeline.Retrieval;

/// <summary>Configuration section <c>Retrieval</c>. Validated at start.</summary>
public sealed class RetrievalOptions
{
    public const string SectionName = "Retrieval";

    /// <summary>Hits returned when a request names no k. Default 5, range 1–100.</summary>
    [Range(1, 100)]
    public int DefaultK { get; set; } = 5;

    /// <summary>Largest k a request may ask for. Default 100, range 1–1000.</summary>
    [Range(1, 1000)]
    public int MaxK { get; set; } = 100;

    /// <summary>Candidates each retriever contributes to fusion (at least k). Default 50, range 1–1000.</summary>
    [Range(1, 1000)]
    public int CandidatePool { get; set; } = 50;

    /// <summary>The k constant of reciprocal-rank fusion, <c>Σ w / (RrfK + rank)</c>. Default 60, range 1–1000.</summary>
    [Range(1, 1000)]
    public int RrfK { get; set; } = 60;

    /// <summary>Weight of the BM25 ranking in fusion. Default 1.0, range 0–10.</summary>
    [Range(0.0, 10.0)]
    public double Bm25Weight { get; set; } = 1.0;

    /// <summary>Weight of the dense ranking in fusion. Default 1.0, range 0–10.</summary>
    [Range(0.0, 10.0)]
    public double DenseWeight { get; set; } = 1.0;

    /// <summary>BM25 term-frequency saturation k1. Default 1.2, range 0–3.</summary>
    [Range(0.0, 3.0)]
    public float Bm25K1 { get; set; } = 1.2f;

    /// <summary>BM25 length normalisation b. Default 0.75, range 0–1.</summary>
    [Range(0.0, 1.0)]
    public float Bm25B { get; set; } = 0.75f;

    /// <summary>Most distinct query terms used by BM25 (long error messages are cut). Default 128, range 1–1024.</summary>
    [Range(1, 1024)]
    public int MaxQueryTerms { get; set; } = 128;

    /// <summary>
    /// In layers of at least <see cref="Bm25PruneMinChunks"/> chunks, query terms found in more than this share of chunks
    /// are dropped (their BM25 weight is near zero, their postings are the most expensive to score); the rarest term is
    /// always kept. Default 0.3, range 0.01–1 (1 keeps every term).
    /// </summary>
    [Range(0.01, 1.0)]
    public double Bm25MaxDocFrequency { get; set; } = 0.3;

    /// <summary>Chunks from which <see cref="Bm25MaxDocFrequency"/> applies. Default 5000, range 0–2^31-1.</summary>
    [Range(0, int.MaxValue)]
    public int Bm25PruneMinChunks { get; set; } = 5000;

    /// <summary>From this many vectors in a layer on, dense search scans int8 vectors and re-ranks exactly. Default 20000, range 0 (always)–2^31-1.</summary>
    [Range(0, int.MaxValue)]
    public int QuantizedScanThreshold { get; set; } = 20_000;

    /// <summary>From this many vectors in a layer on, one dense scan is split over the cores (at most 8). Default 50000, range 1–2^31-1.</summary>
    [Range(1, int.MaxValue)]
    public int ParallelScanThreshold { get; set; } = 50_000;

    /// <summary>Candidates re-ranked exactly after an int8 scan, as a multiple of the pool. Default 4, range 1–64.</summary>
    [Range(1, 64)]
    public int RerankMultiplier { get; set; } = 4;

    /// <summary>Token budget applied when a request names none; 0 (default) means no budget. Range 0–1000000.</summary>
    [Range(0, 1_000_000)]
    public int DefaultTokenBudget { get; set; }

    /// <summary>Query embeddings kept in memory (repeated queries are not re-embedded). Default 1024, range 0–1000000.</summary>
    [Range(0, 1_000_000)]
    public int QueryCacheSize { get; set; } = 1024;
}
