using EvoR.Pipeline.Methods;

namespace EvoR.Api.Generations;

/// <summary>How a job reads on the wire: whole (<c>GET /v1/generations/{id}</c>, a cancel) or as an item of the list.</summary>
internal static class GenerationViews
{
    /// <summary>The job's URL, under <see cref="GenerationsApi.Path"/>.</summary>
    public static string Url(string id) => $"{GenerationsApi.Path}/{id}";

    /// <summary>The whole job; <paramref name="full"/> adds the trace (every round in full) and the generation prompts.</summary>
    public static GenerationView View(GenerationJobRecord job, IReadOnlyList<GenerationEventRecord> events, bool full = false)
    {
        var spec = job.Spec;
        var (rounds, outcome, summary) = Readout(job, events);
        return new GenerationView
        {
            Id = job.Id,
            Status = job.Status.ToWire(),
            Outcome = outcome,
            Summary = summary,
            Method = spec.Method,
            KnowledgeBase = spec.KnowledgeBase,
            Problem = new GenerationProblemView(spec.Description, spec.Language, spec.Library, spec.CodeContext,
                spec.Style.ToString().ToLowerInvariant(), spec.VisibleTests is not null, spec.HiddenTests is not null),
            CreatedAt = job.CreatedAt,
            StartedAt = job.StartedAt,
            FinishedAt = job.FinishedAt,
            // Rows of builds that wrote PascalCase names ('Clean', 'WrongAnswer') read in the API's one casing.
            Answer = job.Answer is { } a ? a with { Stop = GenerationReadout.Wire(a.Stop) } : null,
            Score = job.Score is { } sc ? sc with { Verdict = GenerationReadout.Wire(sc.Verdict) } : null,
            Rounds = [.. rounds.Select(GenerationRoundSummary.From)],
            Trace = full ? rounds : null,
            GenerationPrompts = full ? GenerationPrompts.Of(events) : null,
            Usage = job.Usage,
            Error = job.Error,
            Budgets = new GenerationBudgets(spec.TimeBudgetSeconds, spec.TokenBudget, spec.MaxRounds),
        };
    }

    /// <summary>The job at a glance, for <c>GET /v1/generations</c>; its <c>url</c> has the whole job.</summary>
    public static GenerationListItem ListItem(GenerationJobRecord job, IReadOnlyList<GenerationEventRecord> events)
    {
        var (_, outcome, summary) = Readout(job, events);
        return new GenerationListItem
        {
            Id = job.Id,
            Status = job.Status.ToWire(),
            Outcome = outcome,
            Summary = summary,
            Method = job.Spec.Method,
            KnowledgeBase = job.Spec.KnowledgeBase,
            Language = job.Spec.Language,
            CreatedAt = job.CreatedAt,
            FinishedAt = job.FinishedAt,
            Usage = job.Usage,
            Url = Url(job.Id),
        };
    }

    // Both views say the same outcome and summary, read from the same rounds.
    private static (IReadOnlyList<RoundEvent> Rounds, AnswerOutcome Outcome, string Summary) Readout(
        GenerationJobRecord job, IReadOnlyList<GenerationEventRecord> events)
    {
        var rounds = GenerationReadout.Rounds(events);
        var outcome = GenerationReadout.Outcome(job, rounds);
        return (rounds, outcome, GenerationReadout.Summary(job, outcome, rounds));
    }
}
