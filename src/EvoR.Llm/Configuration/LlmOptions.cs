using System.ComponentModel.DataAnnotations;

namespace EvoR.Llm.Configuration;

/// <summary>
/// Configuration section <c>Llm</c>: which language model EvoR talks to. A setting that is present must be valid (the
/// service refuses to start otherwise); a setting that is absent leaves the model unconfigured, which is allowed: every
/// call then fails with <see cref="LlmNotConfiguredException"/> naming what is missing (see <see cref="ILlmAvailability"/>).
/// </summary>
public sealed class LlmOptions
{
    public const string SectionName = "Llm";

    /// <summary>
    /// <c>openai</c> (any OpenAI-compatible endpoint: OpenAI, vLLM, Ollama's <c>/v1</c>, llama.cpp, LM Studio; the
    /// default when empty), <c>azure</c> (Azure OpenAI) or <c>replay</c> (serve <see cref="Cassette"/> back). Case-insensitive.
    /// </summary>
    [RegularExpression("^(?i:openai|azure|replay)?$", ErrorMessage = "Llm:Provider must be openai, azure or replay.")]
    public string? Provider { get; set; }

    /// <summary>
    /// Base URL, absolute http(s). <c>openai</c>: the API root including <c>/v1</c> (default <c>https://api.openai.com/v1</c>);
    /// <c>azure</c>: the resource endpoint (<c>https://NAME.openai.azure.com/</c>), required.
    /// </summary>
    public string? Endpoint { get; set; }

    /// <summary>The model (<c>openai</c>) or deployment name (<c>azure</c>). Required for those providers; no default.</summary>
    public string? Model { get; set; }

    /// <summary>
    /// API key. Required for <c>azure</c> and for OpenAI's own endpoint; optional for local OpenAI-compatible servers
    /// (a placeholder is sent). Never logged.
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>The JSON Lines cassette a <c>replay</c> provider serves. Required for <c>replay</c>; must exist.</summary>
    public string? Cassette { get; set; }

    /// <summary>When set, every exchange (with any provider) is appended to this JSON Lines cassette. Default: off.</summary>
    public string? RecordTo { get; set; }

    /// <summary>Timeouts, retries, circuit breaker and concurrency of the HTTP calls under the connector.</summary>
    [Required]
    public LlmResilienceOptions Resilience { get; set; } = new();

    /// <summary>The provider in lower case; empty means <c>openai</c>.</summary>
    public string ProviderName => string.IsNullOrWhiteSpace(Provider) ? LlmProviders.OpenAI : Provider.Trim().ToLowerInvariant();
}

/// <summary>Provider names accepted by <c>Llm:Provider</c>.</summary>
public static class LlmProviders
{
    public const string OpenAI = "openai";
    public const string Azure = "azure";
    public const string Replay = "replay";

    /// <summary>Reported by <see cref="ILlmAvailability.Provider"/> when nothing usable is configured.</summary>
    public const string None = "none";
}

/// <summary>
/// Configuration section <c>Llm:Resilience</c>: the named Polly pipeline (<see cref="Resilience.LlmResilience.PipelineName"/>)
/// around every HTTP request the connector makes. Outer to inner: total timeout → retry (jittered exponential backoff,
/// honours <c>Retry-After</c>) → circuit breaker → concurrency limit → attempt timeout. Breaker and concurrency limit
/// are kept per endpoint (scheme, host and port).
/// </summary>
public sealed class LlmResilienceOptions
{
    /// <summary>Limit for one HTTP attempt, in ms. Default 120000 (local models are slow), range 100–3600000.</summary>
    [Range(100, 3_600_000)]
    public int AttemptTimeoutMs { get; set; } = 120_000;

    /// <summary>Limit for a call including every retry and wait, in ms. Default 600000, range 100–36000000; at least <see cref="AttemptTimeoutMs"/>.</summary>
    [Range(100, 36_000_000)]
    public int TotalTimeoutMs { get; set; } = 600_000;

    /// <summary>Retries after the first attempt, on 408, 429, 5xx, timeouts and connection failures. Default 3, range 0–10.</summary>
    [Range(0, 10)]
    public int MaxRetryAttempts { get; set; } = 3;

    /// <summary>Base of the jittered exponential backoff, in ms. Default 1000, range 1–60000.</summary>
    [Range(1, 60_000)]
    public int RetryBaseDelayMs { get; set; } = 1000;

    /// <summary>Longest wait before a retry, in ms; also caps a server's <c>Retry-After</c>. Default 60000, range 1–600000.</summary>
    [Range(1, 600_000)]
    public int MaxRetryDelayMs { get; set; } = 60_000;

    /// <summary>Failure ratio within the sampling window that opens the circuit. Default 0.5, range 0.01–1.</summary>
    [Range(0.01, 1.0)]
    public double BreakerFailureRatio { get; set; } = 0.5;

    /// <summary>Attempts within the sampling window before the breaker may open. Default 10, range 2–10000.</summary>
    [Range(2, 10_000)]
    public int BreakerMinimumThroughput { get; set; } = 10;

    /// <summary>Sampling window of the breaker, in ms. Default 60000, range 500–3600000.</summary>
    [Range(500, 3_600_000)]
    public int BreakerSamplingDurationMs { get; set; } = 60_000;

    /// <summary>How long an open circuit refuses calls, in ms. Default 30000, range 500–3600000.</summary>
    [Range(500, 3_600_000)]
    public int BreakerBreakDurationMs { get; set; } = 30_000;

    /// <summary>HTTP requests in flight at once per endpoint. Default 4, range 1–1024.</summary>
    [Range(1, 1024)]
    public int MaxConcurrency { get; set; } = 4;

    /// <summary>Requests that may wait for a slot per endpoint; past it a call fails at once (overloaded). Default 256, range 0–100000.</summary>
    [Range(0, 100_000)]
    public int QueueLimit { get; set; } = 256;
}
