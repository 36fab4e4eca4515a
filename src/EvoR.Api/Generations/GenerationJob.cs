using EvoR.Pipeline.Generation;
using EvoR.Sandbox;

namespace EvoR.Api.Generations;

/// <summary>The states of a job. <see cref="Queued"/> and <see cref="Running"/> are the only ones that change.</summary>
public enum GenerationStatus
{
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,

    /// <summary>The service stopped (or died) while the job ran; an LLM run is not idempotent, so it is not repeated.</summary>
    Interrupted,
}

internal static class GenerationStatuses
{
    public static string ToWire(this GenerationStatus status) => status switch
    {
        GenerationStatus.Queued => "queued",
        GenerationStatus.Running => "running",
        GenerationStatus.Succeeded => "succeeded",
        GenerationStatus.Failed => "failed",
        GenerationStatus.Cancelled => "cancelled",
        GenerationStatus.Interrupted => "interrupted",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    public static GenerationStatus Parse(string wire) =>
        TryParse(wire, out var status) ? status : throw new FormatException($"Unknown job status '{wire}'.");

    public static bool TryParse(string wire, out GenerationStatus status)
    {
        GenerationStatus? parsed = wire switch
        {
            "queued" => GenerationStatus.Queued,
            "running" => GenerationStatus.Running,
            "succeeded" => GenerationStatus.Succeeded,
            "failed" => GenerationStatus.Failed,
            "cancelled" => GenerationStatus.Cancelled,
            "interrupted" => GenerationStatus.Interrupted,
            _ => null,
        };
        status = parsed.GetValueOrDefault();
        return parsed is not null;
    }

    public static bool IsTerminal(this GenerationStatus status) => status is not (GenerationStatus.Queued or GenerationStatus.Running);
}

/// <summary>Everything a job needs to run, validated; stored as JSON with the job (hidden tests included, for
/// scoring after a restart; they are never returned).</summary>
internal sealed record GenerationJobSpec
{
    public required string Description { get; init; }
    public required string Language { get; init; }
    public string? Library { get; init; }
    public string? CodeContext { get; init; }
    public ProgramStyle Style { get; init; }
    public TestSpec? VisibleTests { get; init; }
    public TestSpec? HiddenTests { get; init; }
    public required string Method { get; init; }
    public string? KnowledgeBase { get; init; }
    public IReadOnlyList<string>? Sources { get; init; }
    public int? MaxRounds { get; init; }
    public required int TimeBudgetSeconds { get; init; }
    public required long TokenBudget { get; init; }
    public double? Temperature { get; init; }
    public int? MaxOutputTokens { get; init; }

    /// <summary>How the job was asked for: <c>rest</c> or <c>chat</c> (the OpenAI-compatible endpoint).</summary>
    public string Origin { get; init; } = "rest";

    public GenerationProblem ToProblem(string jobId) => new()
    {
        Id = jobId,
        Description = Description,
        Language = Language,
        Library = Library,
        CodeContext = CodeContext,
        Style = Style,
        VisibleTests = VisibleTests,
        HiddenTests = HiddenTests,
    };
}

/// <summary>A job row.</summary>
internal sealed record GenerationJobRecord
{
    public required string Id { get; init; }
    public required GenerationStatus Status { get; init; }
    public required GenerationJobSpec Spec { get; init; }
    public string? Owner { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    public GenerationAnswer? Answer { get; init; }
    public GenerationScore? Score { get; init; }
    public GenerationUsage Usage { get; init; } = new(0, 0, 0);
    public GenerationError? Error { get; init; }
}

/// <summary>One stored event of a job: its 1-based sequence number (the SSE id), its name and its JSON data.</summary>
internal sealed record GenerationEventRecord(long Sequence, string Name, string Data);

/// <summary>How a job ended.</summary>
internal sealed record GenerationOutcome(GenerationStatus Status, GenerationAnswer? Answer, GenerationScore? Score,
    GenerationUsage Usage, GenerationError? Error);
