using System.ComponentModel.DataAnnotations;

namespace EvoR.Pipeline.Knowledge;

/// <summary>Configuration section <c>Knowledge</c>. Validated at start.</summary>
public sealed class KnowledgeOptions
{
    public const string SectionName = "Knowledge";

    public const string LocalStore = "local";

    public const string PostgresStore = "postgres";

    /// <summary>
    /// Where bases and documents live: <c>local</c> (default: the folders under <see cref="RootPath"/> are the only
    /// copy) or <c>postgres</c> (PostgreSQL at <c>ConnectionStrings:EvoR</c> is the truth for every replica, and
    /// <see cref="RootPath"/> holds this replica's own index copy, rebuilt from the database when missing).
    /// </summary>
    [Required]
    [RegularExpression("^(local|postgres)$", ErrorMessage = "Knowledge:Store must be 'local' or 'postgres'.")]
    public string Store { get; set; } = LocalStore;

    /// <summary>
    /// With <c>Store=postgres</c>: the longest a replica goes without looking for changes made through other replicas
    /// when no notification wakes it first, so a change is searchable everywhere within about this long. Default 1
    /// second, range 50 ms–1 minute.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan FollowInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Folder holding one sub-folder per knowledge base (and the embedding cache). Default <c>data/knowledge</c>, relative to the working directory.</summary>
    [Required]
    public string RootPath { get; set; } = "data/knowledge";

    /// <summary>Largest accepted document text, in UTF-8 bytes; larger ones are refused (413). Default 1 MiB, range 1 KiB–64 MiB.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxDocumentBytes { get; set; } = 1024 * 1024;

    /// <summary>Most documents in one add request. Default 10000, range 1–1000000.</summary>
    [Range(1, 1_000_000)]
    public int MaxDocumentsPerRequest { get; set; } = 10_000;

    /// <summary>Cap of one chunk, in approximate tokens (heading path included). Default 256 (the model's window), range 32–4096.</summary>
    [Range(32, 4096)]
    public int MaxChunkTokens { get; set; } = 256;

    /// <summary>Skip documents that nearly duplicate one already stored under another id. Default true.</summary>
    public bool SuppressNearDuplicates { get; set; } = true;

    /// <summary>Estimated Jaccard similarity of word bigrams from which a document counts as a near-duplicate. Default 0.8, range 0.5–1.0.</summary>
    [Range(0.5, 1.0)]
    public double NearDuplicateThreshold { get; set; } = 0.8;

    /// <summary>Most bytes an upload of files (<c>POST …/files</c>) may unpack to, archives included. Default 64 MiB, range 1 KiB–4 GiB.</summary>
    [Range(1024L, 4L * 1024 * 1024 * 1024)]
    public long MaxUploadBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Most knowledge bases (overlays not counted). Default 1000, range 1–100000.</summary>
    [Range(1, 100_000)]
    public int MaxBases { get; set; } = 1000;

    /// <summary>How long a job's overlay is kept after its job ends, then removed by the overlay sweeper (kept while
    /// the job runs). Default 7 days (<c>7.00:00:00</c>), range 1 minute–3650 days.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "3650.00:00:00")]
    public TimeSpan OverlayRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often the overlay sweeper looks for overlays past their retention. Default 10 minutes, range 1 second–1 day.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan OverlaySweepInterval { get; set; } = TimeSpan.FromMinutes(10);
}
