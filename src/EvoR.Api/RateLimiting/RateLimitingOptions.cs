using System.ComponentModel.DataAnnotations;

namespace EvoR.Api.RateLimiting;

/// <summary>
/// Configuration section <c>RateLimiting</c>: a fixed window of permits per API key (per client IP for requests without
/// a valid key) on every <c>/v1</c> route, where keys are in use: it protects a shared service against abuse. A service
/// without keys listens on loopback only (a local user's own), and is not rate limited unless
/// <see cref="LimitWithoutKeys"/> says so: there the sandbox's own bounded queue (503 <c>sandbox-busy</c> with
/// <c>Retry-After</c>) is the back-pressure for executions, and a benchmark scoring 164 HumanEval problems one request each
/// should run at the sandbox's pace, not a tenth of it. Validated at start.
/// </summary>
public sealed class RateLimitingOptions
{
    public const string SectionName = "RateLimiting";

    /// <summary>Whether <c>/v1</c> routes are rate limited. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Whether a service with no API keys configured (loopback only) is rate limited too, per client address.
    /// Default false.</summary>
    public bool LimitWithoutKeys { get; set; }

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
