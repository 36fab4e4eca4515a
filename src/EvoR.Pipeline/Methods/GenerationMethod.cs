using EvoR.Pipeline.Evolution;
using EvoR.Pipeline.Generation;
using EvoR.Pipeline.Knowledge;
using EvoR.Sandbox;

namespace EvoR.Pipeline.Methods;

/// <summary>A code-generation method (EvoR or a baseline), run on one problem.</summary>
public interface IGenerationMethod
{
    /// <summary>Stable name from <see cref="MethodCatalog"/>: <c>evor</c>, <c>vanilla</c>, <c>docprompting</c>, <c>reflexion</c>, <c>evor+reflexion</c>, the ablations.</summary>
    string Name { get; }

    /// <summary>Runs the method. The problem it gets must carry no hidden tests (<see cref="MethodRunner"/> strips them).</summary>
    Task<MethodResult> RunAsync(GenerationProblem problem, MethodContext context, CancellationToken cancellationToken);
}

/// <summary>Where a method retrieves from and writes to, its budgets, and who hears about its rounds.</summary>
public sealed record MethodContext
{
    /// <summary>The generation job; part of evolved documents' provenance and of the default overlay name.</summary>
    public string JobId { get; init; } = "job";

    /// <summary>API key that asked for the job; owns the job's overlay. Null on a service without keys.</summary>
    public string? Owner { get; init; }

    /// <summary>The shared knowledge base; null: no retrieval and no knowledge evolution.</summary>
    public string? KnowledgeBase { get; init; }

    /// <summary>The job's overlay on <see cref="KnowledgeBase"/>; created when missing. Null: one named after job, method and problem.</summary>
    public string? Overlay { get; init; }

    /// <summary>Source kinds retrieved (EvoR); null or empty: all. DocPrompting always retrieves documentation only.</summary>
    public IReadOnlyList<SourceKind>? Sources { get; init; }

    /// <summary>Overrides <c>EvoR:RetrievalTokenBudget</c>.</summary>
    public int? TokenBudget { get; init; }

    /// <summary>Overrides <c>EvoR:RetrievalK</c>.</summary>
    public int? K { get; init; }

    /// <summary>Overrides <c>EvoR:MaxRounds</c> (EvoR) and <c>EvoR:ReflexionMaxAttempts</c> (Reflexion).</summary>
    public int? MaxRounds { get; init; }

    /// <summary>Called after every round, before the next starts (persist, stream).</summary>
    public Func<RoundEvent, CancellationToken, ValueTask>? OnRound { get; init; }

    /// <summary>Where knowledge writes go when several problems share <see cref="Overlay"/> (the bench's per-run scope):
    /// each round's write is staged there and committed once every problem finished that round. Null: each write goes to
    /// the overlay at once (the service; the bench's per-problem scope).</summary>
    public IRoundBarrier? RoundBarrier { get; init; }
}

/// <summary>Why a method stopped.</summary>
public enum StopReason
{
    /// <summary>The program ran clean on every input and visible test.</summary>
    Clean,

    /// <summary>The same verdict and normalised error as the previous round.</summary>
    RepeatedError,

    /// <summary>The round budget ran out.</summary>
    Budget,

    /// <summary>A single-shot method (Vanilla, DocPrompting) finished its one generation.</summary>
    SingleShot,
}

/// <summary>A retrieved chunk as the trace shows it: its score and the search mode (<c>bm25</c>, <c>dense</c>,
/// <c>hybrid</c>) as <c>Retriever</c>, with the retrievers that ranked it as <c>FoundBy</c>.</summary>
public sealed record RetrievedDocument(string DocumentId, string ChunkId, string KnowledgeBase, SourceKind Source, double Score,
    string Retriever, Retrievers FoundBy, Provenance? Provenance);

/// <summary>A step that could not do its job and was replaced by a fallback (no inputs, kept query, empty program…).</summary>
public sealed record DegradedStep(int? Round, string Step, string Reason);

/// <summary>One round of a method: what it asked, saw, wrote, ran and evolved.</summary>
public sealed record RoundEvent
{
    public required string Method { get; init; }
    public required string ProblemId { get; init; }

    /// <summary>0-based.</summary>
    public required int Round { get; init; }

    /// <summary>The retrieval query of this round (null when the method does not retrieve).</summary>
    public string? Query { get; init; }

    public IReadOnlyList<RetrievedDocument> Retrieved { get; init; } = [];

    /// <summary>Tokens of retrieved text packed into the prompt, and ranked chunks left out for the budget.</summary>
    public int RetrievedTokens { get; init; }
    public int OmittedForBudget { get; init; }

    /// <summary>The program as run (code context filled).</summary>
    public required string Program { get; init; }

    /// <summary>The generation prompt of this round as sent (question, retrieved documents, context): in-process
    /// readers only (the bench's gold-documentation recall); never serialised, so traces and events stay as they were.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string? GenerationPrompt { get; init; }

    /// <summary>The <c>evor.source</c> label of the reply the program came from.</summary>
    public required string ProgramSource { get; init; }

    public required ExtractionKind Extraction { get; init; }

    /// <summary>The sandbox runs of the program; empty when the method does not execute drafts.</summary>
    public IReadOnlyList<RunVerdict> Verdicts { get; init; } = [];

    public bool RanClean { get; init; }

    /// <summary>The document knowledge evolution wrote (or tried to), if any.</summary>
    public EvolvedDocument? Evolved { get; init; }

    /// <summary>The next round's query, when the loop goes on.</summary>
    public string? NextQuery { get; init; }

    /// <summary>Reflexion's reflection on this round's failure.</summary>
    public string? Reflection { get; init; }

    /// <summary>Set on the last round.</summary>
    public StopReason? Stop { get; init; }

    public IReadOnlyList<DegradedStep> Degraded { get; init; } = [];

    public long TokensIn { get; init; }
    public long TokensOut { get; init; }
    public int LlmCalls { get; init; }

    public required RoundTimings Timings { get; init; }
}

/// <summary>Milliseconds spent per phase of a round.</summary>
public sealed record RoundTimings(double RetrievalMs, double GenerationMs, double ExecutionMs, double EvolutionMs, double TotalMs);

/// <summary>What a method produced for one problem.</summary>
public sealed record MethodResult
{
    public required string Method { get; init; }
    public required string ProblemId { get; init; }

    /// <summary>The answer program (code context filled): the last program that ran clean, else the last one.</summary>
    public required string Answer { get; init; }

    /// <summary>The <c>evor.source</c> label of the reply the answer came from: <c>model</c>, <c>replay</c> or <c>scripted</c>.</summary>
    public required string AnswerSource { get; init; }

    public required int AnswerRound { get; init; }
    public required StopReason Stop { get; init; }
    public required IReadOnlyList<RoundEvent> Rounds { get; init; }

    /// <summary>Steps outside rounds that degraded (e.g. unparseable test inputs); rounds carry their own.</summary>
    public IReadOnlyList<DegradedStep> Degraded { get; init; } = [];

    /// <summary>The test inputs (or self-tests) the method wrote, as they were used.</summary>
    public IReadOnlyList<string> TestInputs { get; init; } = [];

    /// <summary>The overlay the method evolved, if any.</summary>
    public string? Overlay { get; init; }

    public string PromptSetVersion { get; init; } = PromptSet.Version;
    public string PromptSetHash { get; init; } = PromptSet.Hash;

    public long TokensIn { get; init; }
    public long TokensOut { get; init; }
    public int LlmCalls { get; init; }
    public double ElapsedMs { get; init; }
}

/// <summary>How a method's answer did on the hidden tests: <c>Scored</c> is false when the problem has none;
/// <c>Verdict</c> is the hidden-test verdict when scored.</summary>
public sealed record Score(bool Scored, Verdict? Verdict, string? Message)
{
    /// <summary>Execution accuracy of this one answer: the hidden tests passed.</summary>
    public bool Passed => Verdict == Sandbox.Verdict.Passed;
}

/// <summary>A method's result and its score.</summary>
public sealed record ScoredResult(MethodResult Result, Score Score);
