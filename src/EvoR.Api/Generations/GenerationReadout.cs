using System.Globalization;
using System.Text.Json;
using EvoR.Pipeline.Methods;
using EvoR.Sandbox;

namespace EvoR.Api.Generations;

/// <summary>What a job's answer amounts to, in one word a person can act on.</summary>
public enum AnswerOutcome
{
    /// <summary>The job is queued or running: no answer yet.</summary>
    Pending,

    /// <summary>The answer passed the hidden tests.</summary>
    Passed,

    /// <summary>The answer failed the hidden tests (<c>score.verdict</c> says how).</summary>
    Failed,

    /// <summary>No hidden tests; the answer ran clean on the visible tests and the generated inputs.</summary>
    RanClean,

    /// <summary>No hidden tests; the answer did not run clean (its round's verdict says how).</summary>
    RanWithErrors,

    /// <summary>No hidden tests, and the method does not run its drafts (vanilla, docprompting): nothing checked it.</summary>
    Untested,

    /// <summary>The job ended without an answer: failed, cancelled or interrupted (<c>error</c> says why).</summary>
    NoAnswer,
}

/// <summary>A round at a glance: what it retrieved, how its program ran, what it cost. <c>?view=full</c> adds the
/// whole trace (<c>trace</c>: programs, retrieved chunks, every run's output).</summary>
public sealed record GenerationRoundSummary
{
    /// <summary>0-based, as in the trace and the <c>round</c> events.</summary>
    public required int Round { get; init; }

    /// <summary>The retrieval query of the round; null when the method does not retrieve.</summary>
    public string? Query { get; init; }

    /// <summary>Chunks retrieved into the prompt.</summary>
    public required int Retrieved { get; init; }

    /// <summary>The <c>evor.source</c> label of the reply the program came from.</summary>
    public required string ProgramSource { get; init; }

    /// <summary>The first failing run's verdict, <c>passed</c> when every run passed; null when the program was not run.</summary>
    public Verdict? Verdict { get; init; }

    public required bool RanClean { get; init; }

    /// <summary>The first line of the first failing run's message (at most 200 characters).</summary>
    public string? Error { get; init; }

    /// <summary>The document knowledge evolution wrote this round, if any.</summary>
    public string? Evolved { get; init; }

    /// <summary>Set on the last round: why the method stopped.</summary>
    public StopReason? Stop { get; init; }

    public required int LlmCalls { get; init; }
    public required long TokensIn { get; init; }
    public required long TokensOut { get; init; }
    public required double TotalMs { get; init; }

    internal static GenerationRoundSummary From(RoundEvent r)
    {
        var failing = r.Verdicts.FirstOrDefault(v => v.Verdict != Sandbox.Verdict.Passed);
        return new GenerationRoundSummary
        {
            Round = r.Round,
            Query = r.Query,
            Retrieved = r.Retrieved.Count,
            ProgramSource = r.ProgramSource,
            Verdict = r.Verdicts.Count == 0 ? null : failing?.Verdict ?? Sandbox.Verdict.Passed,
            RanClean = r.RanClean,
            Error = failing?.Message is { Length: > 0 } message ? FirstLine(message) : null,
            Evolved = r.Evolved is { Written: true } e ? e.DocumentId : null,
            Stop = r.Stop,
            LlmCalls = r.LlmCalls,
            TokensIn = r.TokensIn,
            TokensOut = r.TokensOut,
            TotalMs = r.Timings.TotalMs,
        };
    }

    private static string FirstLine(string text)
    {
        var line = text.AsSpan().Trim();
        var end = line.IndexOfAny('\r', '\n');
        if (end >= 0)
        {
            line = line[..end];
        }

        return line.Length <= 200 ? line.ToString() : string.Concat(line[..199], "…");
    }
}

/// <summary>Reads a job for a person: its <see cref="AnswerOutcome"/> and a one-line summary.</summary>
internal static class GenerationReadout
{
    public static IReadOnlyList<RoundEvent> Rounds(IEnumerable<GenerationEventRecord> events) =>
        [.. events.Where(e => e.Name == GenerationJobRunner.RoundEvent).Select(e => GenerationJson.Deserialize<RoundEvent>(e.Data))];

    /// <summary>Whether the outcome of a job in this state needs its rounds (a succeeded job without hidden tests).</summary>
    public static bool NeedsRounds(GenerationJobRecord job) => job.Status == GenerationStatus.Succeeded && job.Score is null;

    public static AnswerOutcome Outcome(GenerationJobRecord job, IReadOnlyList<RoundEvent> rounds)
    {
        if (!job.Status.IsTerminal())
        {
            return AnswerOutcome.Pending;
        }

        if (job.Status != GenerationStatus.Succeeded || job.Answer is null)
        {
            return AnswerOutcome.NoAnswer;
        }

        if (job.Score is { } score)
        {
            return score.Passed ? AnswerOutcome.Passed : AnswerOutcome.Failed;
        }

        var round = AnswerRound(job.Answer, rounds);
        return round is null || round.Verdicts.Count == 0 ? AnswerOutcome.Untested
            : round.RanClean ? AnswerOutcome.RanClean
            : AnswerOutcome.RanWithErrors;
    }

    public static string Summary(GenerationJobRecord job, AnswerOutcome outcome, IReadOnlyList<RoundEvent> rounds)
    {
        var u = job.Usage;
        var cost = string.Create(CultureInfo.InvariantCulture,
            $"{u.LlmCalls} LLM call{(u.LlmCalls == 1 ? "" : "s")}, {u.PromptTokens + u.CompletionTokens} tokens");
        var of = rounds.Count == 1 ? "1 round" : string.Create(CultureInfo.InvariantCulture, $"{rounds.Count} rounds");
        var answer = job.Answer is { } a
            ? string.Create(CultureInfo.InvariantCulture, $"the answer from round {a.Round + 1} of {of}, stopped: {Wire(a.Stop)}")
            : "";
        var verdict = job.Score?.Verdict is { } v ? Wire(v) : null;
        var ranVerdict = job.Answer is { } ans && AnswerRound(ans, rounds) is { } r
            ? GenerationRoundSummary.From(r).Verdict is { } rv ? GenerationJson.Wire(rv) : null
            : null;
        return outcome switch
        {
            AnswerOutcome.Pending when job.Status == GenerationStatus.Queued => "Queued: waiting for a worker.",
            AnswerOutcome.Pending => $"Running: {of} finished so far; {cost}.",
            AnswerOutcome.Passed => $"Passed the hidden tests with {answer}; {cost}.",
            AnswerOutcome.Failed => $"Failed the hidden tests (verdict {verdict}) with {answer}; {cost}.",
            AnswerOutcome.RanClean => $"No hidden tests to score it; {answer}, ran clean on the visible tests and generated inputs; {cost}.",
            AnswerOutcome.RanWithErrors => $"No hidden tests to score it; {answer}, did not run clean (verdict {ranVerdict}); {cost}.",
            AnswerOutcome.Untested => $"No hidden tests to score it, and {job.Spec.Method} does not run its drafts: {answer}, untested; {cost}.",
            _ when job.Status == GenerationStatus.Cancelled => $"No answer: the job was cancelled after {of}; {cost}.",
            _ => $"No answer: the job {job.Status.ToWire()} after {of} ({job.Error?.Title ?? "no reason recorded"}); {cost}.",
        };
    }

    private static RoundEvent? AnswerRound(GenerationAnswer answer, IReadOnlyList<RoundEvent> rounds) =>
        rounds.LastOrDefault(r => r.Round == answer.Round);

    /// <summary>Names stored by builds before one casing (<c>Clean</c>, <c>WrongAnswer</c>) in the API's casing.</summary>
    public static string Wire(string name) => JsonNamingPolicy.CamelCase.ConvertName(name);
}
