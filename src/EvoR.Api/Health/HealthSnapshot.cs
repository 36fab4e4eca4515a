using EvoR.Sandbox;

namespace EvoR.Api.Health;

/// <summary>The result of one background probe of every dependency, served as it is by the health endpoints.</summary>
public sealed record HealthSnapshot
{
    /// <summary>Whether the service can take requests: the sandbox runs programs, the knowledge store reads, the
    /// LLM endpoint (when one is configured) answers, and PostgreSQL (when a store uses it) answers.</summary>
    public required bool Ready { get; init; }

    /// <summary>When this probe finished.</summary>
    public required DateTimeOffset CheckedAt { get; init; }

    public required SandboxHealthReport Sandbox { get; init; }

    public required DependencyCheck Knowledge { get; init; }

    public required LlmCheck Llm { get; init; }

    /// <summary>PostgreSQL, when <c>Generations:Store</c> or <c>Knowledge:Store</c> is <c>postgres</c>; null otherwise.</summary>
    public DependencyCheck? Database { get; init; }
}

/// <summary>Whether one dependency works, and why not.</summary>
public sealed record DependencyCheck
{
    public required bool Healthy { get; init; }
    public string? Message { get; init; }
}

/// <summary>Whether the LLM endpoint answers its models list (no tokens are spent).</summary>
public sealed record LlmCheck
{
    /// <summary><c>answered</c> (the models list came back), <c>reachable</c> (an HTTP answer other than 2xx or 401/403),
    /// <c>refused</c> (401/403: the key is wrong), <c>unreachable</c> (no HTTP answer in time), <c>not-configured</c>,
    /// <c>replay</c> (a cassette; nothing to reach) or <c>in-process</c> (a model given in code).</summary>
    public required string Status { get; init; }

    /// <summary>Whether this status lets the service be ready: true unless <c>refused</c> or <c>unreachable</c>.</summary>
    public required bool Healthy { get; init; }

    public required string Provider { get; init; }
    public string? Model { get; init; }

    /// <summary>The endpoint's URL without credentials or query.</summary>
    public string? Endpoint { get; init; }

    public int? StatusCode { get; init; }
    public long? LatencyMs { get; init; }
    public string? Message { get; init; }
}

/// <summary>The body of <c>/health/live</c>.</summary>
public sealed record LivenessReport(string Status);

/// <summary>Status values of <see cref="LlmCheck.Status"/>.</summary>
public static class LlmCheckStatus
{
    public const string Answered = "answered";
    public const string Reachable = "reachable";
    public const string Refused = "refused";
    public const string Unreachable = "unreachable";
    public const string NotConfigured = "not-configured";
    public const string Replay = "replay";
    public const string InProcess = "in-process";
}
