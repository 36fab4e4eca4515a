using System.ComponentModel.DataAnnotations;

namespace EvoR.Pipeline.Web;

/// <summary>Configuration section <c>WebSearch</c>. Validated at start.</summary>
public sealed class WebSearchOptions : IValidatableObject
{
    public const string SectionName = "WebSearch";

    /// <summary>Which source answers web searches: <c>none</c> (default), <c>snapshot</c> (offline JSON Lines) or <c>searxng</c> (live).</summary>
    [Required, RegularExpression("^(none|snapshot|searxng)$")]
    public string Provider { get; set; } = "none";

    /// <summary>JSON Lines file of pages (<c>{"url","title","text"}</c>) for the <c>snapshot</c> provider.</summary>
    public string? SnapshotPath { get; set; }

    /// <summary>Base URL of a SearxNG-compatible instance (its <c>/search?format=json</c> is called) for the <c>searxng</c> provider.</summary>
    public Uri? BaseUrl { get; set; }

    /// <summary>Most results per search. Default 5, range 1–50.</summary>
    [Range(1, 50)]
    public int MaxResults { get; set; } = 5;

    /// <summary>Also download each result page and use its cleaned text instead of the snippet. Default false.</summary>
    public bool FetchPages { get; set; }

    /// <summary>Largest response body read (search or page), in bytes; the rest is dropped. Default 2 MiB, range 1 KiB–64 MiB.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxResponseBytes { get; set; } = 2 * 1024 * 1024;

    /// <summary>Most characters of cleaned text kept per page. Default 20000, range 100–10000000.</summary>
    [Range(100, 10_000_000)]
    public int MaxPageChars { get; set; } = 20_000;

    /// <summary>Timeout of one HTTP attempt, in seconds. Default 10, range 1–300.</summary>
    [Range(1, 300)]
    public int AttemptTimeoutSeconds { get; set; } = 10;

    /// <summary>Timeout of a request with all its retries, in seconds. Default 30, range 1–600 (at least the attempt timeout).</summary>
    [Range(1, 600)]
    public int TotalTimeoutSeconds { get; set; } = 30;

    /// <summary>Retries of a transient failure (5xx, 408, 429, network error). Default 2, range 1–10.</summary>
    [Range(1, 10)]
    public int MaxRetries { get; set; } = 2;

    /// <summary>Base delay between retries (exponential with jitter), in milliseconds. Default 500, range 1–60000.</summary>
    [Range(1, 60_000)]
    public int RetryDelayMs { get; set; } = 500;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Provider == "snapshot" && string.IsNullOrWhiteSpace(SnapshotPath))
        {
            yield return new ValidationResult("WebSearch:SnapshotPath is required for the snapshot provider.", [nameof(SnapshotPath)]);
        }

        if (Provider == "searxng" && (BaseUrl is null || !BaseUrl.IsAbsoluteUri || BaseUrl.Scheme is not ("http" or "https")))
        {
            yield return new ValidationResult("WebSearch:BaseUrl must be an absolute http(s) URL for the searxng provider.", [nameof(BaseUrl)]);
        }

        if (TotalTimeoutSeconds < AttemptTimeoutSeconds)
        {
            yield return new ValidationResult("WebSearch:TotalTimeoutSeconds must be at least AttemptTimeoutSeconds.", [nameof(TotalTimeoutSeconds)]);
        }
    }
}
