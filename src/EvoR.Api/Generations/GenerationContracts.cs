using System.Text.Json.Serialization;
using EvoR.Pipeline.Methods;
using EvoR.Sandbox;

namespace EvoR.Api.Generations;

/// <summary>
/// Body of <c>POST /v1/generations</c>. Members are optional here so that a missing one is reported per field
/// (400 <c>validation</c>) rather than as malformed JSON.
/// </summary>
public sealed record GenerationRequestBody
{
    /// <summary>The problem to solve. Required.</summary>
    public GenerationProblemBody? Problem { get; init; }

    /// <summary><c>evor</c> (default), <c>vanilla</c>, <c>docprompting</c>, <c>reflexion</c> or <c>evor+reflexion</c>.</summary>
    public string? Method { get; init; }

    /// <summary>The knowledge base retrieved from (and overlaid by EvoR's knowledge evolution); omitted: no retrieval.</summary>
    public string? KnowledgeBase { get; init; }

    /// <summary>Source kinds retrieved: <c>documentation</c>, <c>web</c>, <c>execution_feedback</c>, <c>code_snippet</c>;
    /// omitted: all. DocPrompting always retrieves documentation only.</summary>
    public IReadOnlyList<string>? Sources { get; init; }

    /// <summary>Round budget (EvoR) or attempts (Reflexion), 1–20; omitted: <c>EvoR:MaxRounds</c> / <c>EvoR:ReflexionMaxAttempts</c>.</summary>
    public int? MaxRounds { get; init; }

    /// <summary>Wall-clock budget of the job in seconds, up to <c>Generations:MaxTimeBudgetSeconds</c>.</summary>
    public int? TimeBudgetSeconds { get; init; }

    /// <summary>Token budget of the job, up to <c>Generations:MaxTokenBudget</c>.</summary>
    public long? TokenBudget { get; init; }

    /// <summary>Per-job LLM settings within the service's ranges.</summary>
    public LlmOverridesBody? Llm { get; init; }
}

/// <summary>A code-generation problem as a client sends it. Tests use the format of <c>/v1/executions</c>.</summary>
public sealed record GenerationProblemBody
{
    /// <summary>What the program must do. Required.</summary>
    public string? Description { get; init; }

    /// <summary>Language name or alias from <c>GET /v1/languages</c>. Required.</summary>
    public string? Language { get; init; }

    /// <summary>The library the problem is about, named in prompts and evolved documents.</summary>
    public string? Library { get; init; }

    /// <summary>A program with an <c>[insert]</c> slot where the generated code goes.</summary>
    public string? CodeContext { get; init; }

    /// <summary><c>function</c> (default: tests call the program's functions) or <c>stdin</c> (the program reads input).</summary>
    public string? Style { get; init; }

    /// <summary>Tests the loop may run and learn from.</summary>
    public TestSpec? VisibleTests { get; init; }

    /// <summary>Tests for scoring only: never shown to the model or the loop, never echoed back.</summary>
    public TestSpec? HiddenTests { get; init; }
}

/// <summary>Per-job LLM settings; omitted members keep <c>EvoR:Temperature</c> and <c>EvoR:MaxOutputTokens</c>.</summary>
public sealed record LlmOverridesBody
{
    /// <summary>Sampling temperature, 0–2.</summary>
    public double? Temperature { get; init; }

    /// <summary>Output cap of each call in tokens, 16–32768.</summary>
    public int? MaxOutputTokens { get; init; }
}

/// <summary>The answer to <c>POST /v1/generations</c> (202): the job's id, where to poll and where to stream.</summary>
public sealed record GenerationCreated(string Id, string Status, string Url, string EventsUrl);

/// <summary>A generation job as <c>GET /v1/generations/{id}</c> shows it.</summary>
public sealed record GenerationView
{
    public required string Id { get; init; }

    /// <summary><c>queued</c>, <c>running</c>, <c>succeeded</c>, <c>failed</c>, <c>cancelled</c> or <c>interrupted</c>.</summary>
    public required string Status { get; init; }

    /// <summary>Whether the answer passed, in one word: <c>pending</c>, <c>passed</c>, <c>failed</c> (hidden tests),
    /// <c>ranClean</c>, <c>ranWithErrors</c>, <c>untested</c> (no hidden tests) or <c>noAnswer</c>.</summary>
    public required AnswerOutcome Outcome { get; init; }

    /// <summary>The outcome in one line a person can read (the answer's round, why the method stopped, the cost).</summary>
    public required string Summary { get; init; }

    public required string Method { get; init; }
    public string? KnowledgeBase { get; init; }

    /// <summary>The problem without its hidden tests (only whether it has some).</summary>
    public required GenerationProblemView Problem { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>The final program, when the job succeeded.</summary>
    public GenerationAnswer? Answer { get; init; }

    /// <summary>How the answer did on the hidden tests, when the problem had some.</summary>
    public GenerationScore? Score { get; init; }

    /// <summary>Every finished round at a glance.</summary>
    public required IReadOnlyList<GenerationRoundSummary> Rounds { get; init; }

    /// <summary>Only with <c>?view=full</c>: every finished round in full, as its <c>round</c> event carried it
    /// (query, retrieved chunks, program, every run's verdict and output, evolved document, timings).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<RoundEvent>? Trace { get; init; }

    /// <summary>Only with <c>?view=full</c>: each round's generation prompt as sent to the model (question, retrieved
    /// documents, code context; never hidden tests), one per <see cref="Trace"/> entry; null for a round that sent none.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string?>? GenerationPrompts { get; init; }

    public required GenerationUsage Usage { get; init; }

    /// <summary>Why the job failed or was interrupted.</summary>
    public GenerationError? Error { get; init; }

    public required GenerationBudgets Budgets { get; init; }
}

public sealed record GenerationProblemView(string Description, string Language, string? Library, string? CodeContext,
    string Style, bool HasVisibleTests, bool HasHiddenTests);

/// <summary>The final program, the <c>evor.source</c> label of the reply it came from (<c>model</c>, <c>replay</c>,
/// <c>scripted</c>: anything but <c>model</c> was not generated now), its round and why the method stopped.</summary>
public sealed record GenerationAnswer(string Code, string Source, int Round, string Stop, string PromptSetVersion, string PromptSetHash);

/// <summary>Hidden-test verdict of the answer (<c>passed</c>, <c>failed</c>, <c>runtimeError</c>…); <c>passed</c> is
/// pass@1 of this one answer.</summary>
public sealed record GenerationScore(string Verdict, bool Passed);

public sealed record GenerationUsage(long PromptTokens, long CompletionTokens, int LlmCalls);

/// <summary>A stable problem <c>type</c> (<c>urn:evor:problem:…</c>) and what happened.</summary>
public sealed record GenerationError(string Type, string Title, string Detail);

public sealed record GenerationBudgets(int TimeBudgetSeconds, long TokenBudget, int? MaxRounds);

/// <summary><c>GET /v1/generations</c>: one page of the caller's jobs, newest first; <c>nextCursor</c> (null on the
/// last page) is the <c>cursor</c> of the next page.</summary>
public sealed record GenerationList(IReadOnlyList<GenerationListItem> Data, string? NextCursor);

/// <summary>A job in the list: its state and outcome at a glance (<c>url</c> has the whole job).</summary>
public sealed record GenerationListItem
{
    public required string Id { get; init; }
    public required string Status { get; init; }
    public required AnswerOutcome Outcome { get; init; }
    public required string Summary { get; init; }
    public required string Method { get; init; }
    public string? KnowledgeBase { get; init; }
    public required string Language { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    public required GenerationUsage Usage { get; init; }
    public required string Url { get; init; }
}
