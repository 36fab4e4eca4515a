using System.ComponentModel.DataAnnotations;

namespace EvoR.Api.RateLimiting;

/// <summary>
/// Configuration section <c>RateLimiting</c>: a fixed window of permits per API key (per client IP while no key is
/// configured) on every <c>/v1</c> route. Validated at start.
/// </summary>
public sealed class RateLimitingOptions
{
    public const string SectionName = "RateLimiting";

    /// <summary>Whether <c>/v1</c> routes are rate limited. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Requests allowed per key in one window. Default 120, range 1–1000000.</summary>
    [Range(1, 1_000_000)]
    public int PermitLimit { get; set; } = 120;

    /// <summary>Length of the window, in seconds. Default 60, range 1–86400.</summary>
    [Range(1, 86_400)]
    public int WindowSeconds { get; set; } = 60;

    /// <summary>Requests over the limit that wait for the next window instead of being refused. Default 0,
    /// range 0–10000.</summary>
    [Range(0, 10_000)]
    public int QueueLimit { get; set; }
}
