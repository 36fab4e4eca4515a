using System.Diagnostics;
using System.Diagnostics.Metrics;
using EvoR.Pipeline.Generation;

namespace EvoR.Pipeline.Methods;

/// <summary>
/// The generation loop's one <see cref="ActivitySource"/> and one <see cref="Meter"/>, both <c>EvoR.Pipeline</c>.
/// Spans: <c>evor.method.run</c> per method run, <c>evor.round</c> per round under it, and per step
/// <c>evor.retrieve</c>, <c>evor.generate</c>, <c>evor.execute</c>, <c>evor.evolve</c>, <c>evor.reflect</c>,
/// <c>evor.rewrite</c> (and <c>evor.test-inputs</c> / <c>evor.self-tests</c> once per run); the LLM layer's
/// <c>chat</c> spans nest under the steps that call it. Instruments: <c>evor.pipeline.method.runs</c> (by method and
/// outcome), <c>evor.pipeline.rounds</c> (by method and verdict), <c>evor.pipeline.round.duration</c> and
/// <c>evor.pipeline.retrieval.duration</c> (s, explicit buckets).
/// </summary>
public sealed class PipelineTelemetry : IDisposable
{
    public const string Name = "EvoR.Pipeline";

    public const string MethodTag = "evor.method";
    public const string ProblemTag = "evor.problem.id";
    public const string JobTag = "evor.job.id";
    public const string RoundTag = "evor.round";
    public const string VerdictTag = "evor.verdict";
    public const string OutcomeTag = "evor.outcome";
    public const string SearchModeTag = "evor.search.mode";

    /// <summary>Verdict of a round whose draft was not run (single-shot methods).</summary>
    public const string NotRun = "not_run";

    // A round without the model takes tens of milliseconds; with a local model writing a program, minutes.
    private static readonly double[] RoundBuckets = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

    // Retrieval from an in-process index: sub-millisecond (cached) to a second (cold index, large base).
    private static readonly double[] RetrievalBuckets = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

    private readonly Meter _meter;
    private readonly Counter<long> _runs;
    private readonly Counter<long> _rounds;
    private readonly Histogram<double> _roundDuration;
    private readonly Histogram<double> _retrievalDuration;

    public PipelineTelemetry(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(Name) ?? new Meter(Name);
        _runs = _meter.CreateCounter<long>("evor.pipeline.method.runs", "{run}",
            "Method runs that ended, by method and outcome (the stop reason: clean, repeated_error, budget, single_shot; or error, canceled).");
        _rounds = _meter.CreateCounter<long>("evor.pipeline.rounds", "{round}", "Rounds completed, by method and the verdict of the round's draft.");
        _roundDuration = _meter.CreateHistogram("evor.pipeline.round.duration", "s",
            "Time of one round: retrieval, generation (LLM included), execution and evolution.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = RoundBuckets });
        _retrievalDuration = _meter.CreateHistogram("evor.pipeline.retrieval.duration", "s",
            "Time of one round's retrieval from the knowledge soup, by method and search mode.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = RetrievalBuckets });
    }

    public ActivitySource Source { get; } = new(Name);

    /// <summary>Wire name of a stop reason (<c>repeated_error</c>).</summary>
    public static string OutcomeOf(StopReason stop) => stop switch
    {
        StopReason.Clean => "clean",
        StopReason.RepeatedError => "repeated_error",
        StopReason.Budget => "budget",
        StopReason.SingleShot => "single_shot",
        _ => stop.ToString().ToLowerInvariant(),
    };

    internal Activity? StartRun(string method, GenerationProblem problem, string jobId)
    {
        var activity = Source.StartActivity("evor.method.run");
        if (activity is not null)
        {
            activity.DisplayName = $"method {method}";
            activity.SetTag(MethodTag, method);
            activity.SetTag(ProblemTag, problem.Id);
            activity.SetTag(JobTag, jobId);
            activity.SetTag("evor.language", problem.Language);
        }

        return activity;
    }

    internal static void RunFinished(Activity? activity, MethodResult result)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetTag(OutcomeTag, OutcomeOf(result.Stop));
        activity.SetTag("evor.rounds", result.Rounds.Count);
        activity.SetTag("evor.answer.round", result.AnswerRound);
        activity.SetTag("evor.answer.source", result.AnswerSource);
        activity.SetStatus(ActivityStatusCode.Ok);
    }

    internal void RecordRun(string method, string outcome) =>
        _runs.Add(1, new KeyValuePair<string, object?>(MethodTag, method), new KeyValuePair<string, object?>(OutcomeTag, outcome));

    /// <summary>Marks a span failed (<c>error.type</c>: the exception type, or <c>canceled</c>); returns the run outcome.</summary>
    internal static string Failed(Activity? activity, Exception exception, CancellationToken cancellationToken)
    {
        var canceled = exception is OperationCanceledException && cancellationToken.IsCancellationRequested;
        var outcome = canceled ? "canceled" : "error";
        if (activity is not null)
        {
            var errorType = canceled ? "canceled" : exception.GetType().FullName ?? exception.GetType().Name;
            activity.SetTag(OutcomeTag, outcome);
            activity.SetTag("error.type", errorType);
            activity.SetStatus(ActivityStatusCode.Error, errorType);
        }

        return outcome;
    }

    internal Activity? StartRound(string method, string problemId, int round)
    {
        var activity = Source.StartActivity("evor.round");
        if (activity is not null)
        {
            activity.DisplayName = $"round {round}";
            activity.SetTag(MethodTag, method);
            activity.SetTag(ProblemTag, problemId);
            activity.SetTag(RoundTag, round);
        }

        return activity;
    }

    internal void RoundFinished(Activity? activity, RoundEvent round, string verdict)
    {
        var method = new KeyValuePair<string, object?>(MethodTag, round.Method);
        _rounds.Add(1, method, new KeyValuePair<string, object?>(VerdictTag, verdict));
        _roundDuration.Record(round.Timings.TotalMs / 1000, method);
        if (activity is null)
        {
            return;
        }

        activity.SetTag(VerdictTag, verdict);
        activity.SetTag("evor.retrieved", round.Retrieved.Count);
        activity.SetTag("evor.llm.calls", round.LlmCalls);
        activity.SetTag("gen_ai.usage.input_tokens", round.TokensIn);
        activity.SetTag("gen_ai.usage.output_tokens", round.TokensOut);
        if (round.Stop is { } stop)
        {
            activity.SetTag("evor.stop_reason", OutcomeOf(stop));
        }

        if (round.Degraded.Count > 0)
        {
            activity.SetTag("evor.degraded", string.Join(',', round.Degraded.Select(d => d.Step)));
        }
    }

    /// <summary>A step of a round (<c>evor.retrieve</c>, <c>evor.generate</c>, …), a child of the current span.</summary>
    internal Activity? StartStep(string step)
    {
        var activity = Source.StartActivity("evor." + step);
        if (activity is not null)
        {
            activity.DisplayName = step;
        }

        return activity;
    }

    internal void RecordRetrieval(string method, string mode, double elapsedMs) =>
        _retrievalDuration.Record(elapsedMs / 1000, new KeyValuePair<string, object?>(MethodTag, method),
            new KeyValuePair<string, object?>(SearchModeTag, mode));

    public void Dispose()
    {
        Source.Dispose();
        _meter.Dispose();
    }
}
