using System.ComponentModel.DataAnnotations;

namespace EvoR.Api.Health;

/// <summary>Configuration section <c>Health</c>: the background probe behind <c>/health</c> and <c>/health/ready</c>.
/// Validated at start.</summary>
public sealed class HealthOptions
{
    public const string SectionName = "Health";

    /// <summary>Seconds between the end of one probe and the start of the next. Default 30, range 1–3600. (The sandbox
    /// probe keeps its own result for <c>Sandbox:HealthCacheSeconds</c>.)</summary>
    [Range(1, 3600)]
    public int ProbeIntervalSeconds { get; set; } = 30;

    /// <summary>How long one probe of a dependency may take before it counts as failed. Default 30, range 1–600.</summary>
    [Range(1, 600)]
    public int ProbeTimeoutSeconds { get; set; } = 30;

    /// <summary>How long the LLM endpoint may take to answer its models list. Default 5, range 1–120.</summary>
    [Range(1, 120)]
    public int LlmTimeoutSeconds { get; set; } = 5;
}
