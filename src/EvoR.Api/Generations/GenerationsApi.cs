using System.ComponentModel;
using System.Globalization;
using EvoR.Api.Auth;
using EvoR.Api.RateLimiting;
using EvoR.Api.Telemetry;
using EvoR.Llm.Configuration;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace EvoR.Api.Generations;

/// <summary>
/// <c>/v1/generations</c>: create a code-generation job (202), read it, stream its rounds as Server-Sent Events
/// (replayable, <c>Last-Event-ID</c>), cancel it.
/// </summary>
public static class GenerationsApi
{
    public const string Path = "/v1/generations";
    public const int DefaultPageSize = 20;
    public const int MaxPageSize = 100;
    private const string LogCategory = "EvoR.Api.Generations";

    public static IEndpointRouteBuilder MapGenerationsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup(Path)
            .WithTags("Generations")
            .RequireApiKey()
            .RequirePerKeyRateLimit();

        group.MapPost("", CreateAsync)
            .WithName("CreateGeneration")
            .WithSummary("Start a code-generation job")
            .WithDescription(
                "Queues a job that solves the problem with a method (evor, vanilla, docprompting, reflexion, evor+reflexion) " +
                "and answers 202 with its id and URLs. Hidden tests only score the answer: they never reach the model or the " +
                "loop and are never echoed back. 503 llm-not-configured names the settings to set when no model is " +
                "configured; 503 generations-busy with Retry-After when the queue is full.")
            .Accepts<GenerationRequestBody>("application/json")
            .Produces<GenerationCreated>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        group.MapGet("", ListAsync)
            .WithName("ListGenerations")
            .WithSummary("The caller's generation jobs, newest first, a page at a time")
            .WithDescription(
                "Only the jobs of the caller's API key (and those made without one). Filters: status (queued, running, " +
                "succeeded, failed, cancelled, interrupted; several comma-separated) and method. limit: 1–100 jobs per page " +
                "(default 20). The answer's nextCursor, when not null, is the cursor of the next page; it is opaque. A bad " +
                "parameter is a 400 problem whose 'field' names it.")
            .Produces<GenerationList>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        group.MapGet("/{id}", GetAsync)
            .WithName("GetGeneration")
            .WithSummary("A generation job: status, outcome, answer, score, rounds, usage")
            .WithDescription(
                "outcome says in one word whether the answer passed (pending, passed, failed, ranClean, ranWithErrors, " +
                "untested, noAnswer) and summary says it in a line. rounds are compact; view=full adds trace, every round " +
                "in full (programs, retrieved chunks, each run's output).")
            .Produces<GenerationView>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapGet("/{id}/events", StreamEventsAsync)
            .WithName("GetGenerationEvents")
            .WithSummary("The job's rounds as Server-Sent Events")
            .WithDescription(
                "One 'round' event per finished round, then one 'end' event (status, answer, score, usage, error) and the " +
                "stream closes. Every stream replays from the first event; send Last-Event-ID (header, or the lastEventId " +
                "query parameter) to resume after an event. Event ids are the events' sequence numbers, from 1.")
            .Produces<string>(StatusCodes.Status200OK, "text/event-stream")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapDelete("/{id}", CancelAsync)
            .WithName("CancelGeneration")
            .WithSummary("Cancel a generation job")
            .WithDescription(
                "A queued job is cancelled at once (200, status cancelled); a running one is asked to stop (202, status " +
                "running until its 'end' event says cancelled). 409 generation-finished for a job that has already ended.")
            .Produces<GenerationView>()
            .Produces<GenerationView>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    internal static async Task<IResult> CreateAsync(
        [FromBody] GenerationRequestBody? body,
        [FromServices] GenerationRequestValidator validator,
        [FromServices] GenerationService jobs,
        [FromServices] ILlmAvailability llm,
        [FromServices] IOptions<GenerationOptions> options,
        [FromServices] ILoggerFactory loggerFactory,
        HttpContext httpContext,
        CancellationToken cancellationToken)
    {
        var logger = loggerFactory.CreateLogger(LogCategory);
        var (spec, problem) = await validator.ValidateAsync(body, "rest", Owner(httpContext), cancellationToken);
        if (problem is not null)
        {
            LogRefusal(logger, problem);
            return problem;
        }

        var (job, refusal) = await SubmitAsync(spec!, jobs, llm, options.Value, logger, httpContext, cancellationToken);
        if (refusal is not null)
        {
            return refusal;
        }

        var url = $"{Path}/{job!.Id}";
        return TypedResults.Accepted(url, new GenerationCreated(job.Id, job.Status.ToWire(), url, url + "/events"));
    }

    /// <summary>The checks every way of creating a job shares: a configured model, then room in the queue.</summary>
    internal static async Task<(GenerationJobRecord? Job, IResult? Refusal)> SubmitAsync(GenerationJobSpec spec, GenerationService jobs,
        ILlmAvailability llm, GenerationOptions options, ILogger logger, HttpContext httpContext, CancellationToken cancellationToken)
    {
        if (!llm.IsConfigured)
        {
            ApiLog.GenerationWithoutModel(logger, string.Join(", ", llm.MissingSettings));
            return (null, GenerationProblems.LlmNotConfigured(llm));
        }

        var job = await jobs.CreateAsync(spec, Owner(httpContext), cancellationToken);
        if (job is null)
        {
            ApiLog.GenerationQueueFull(logger, options.RetryAfterSeconds);
            return (null, GenerationProblems.Busy(options.RetryAfterSeconds, httpContext));
        }

        return (job, null);
    }

    internal static async Task<IResult> ListAsync(
        [FromQuery, Description("Only jobs with this status (queued, running, succeeded, failed, cancelled, interrupted); several comma-separated.")] string? status,
        [FromQuery, Description("Only jobs of this method (evor, vanilla, docprompting, reflexion, evor+reflexion).")] string? method,
        [FromQuery, Description("Jobs per page: an integer from 1 to 100; default 20.")] string? limit,
        [FromQuery, Description("The nextCursor of the previous page, unchanged; omitted: the first page.")] string? cursor,
        [FromServices] GenerationService jobs,
        [FromServices] GenerationRequestValidator validator,
        HttpContext httpContext,
        CancellationToken cancellationToken)
    {
        var statuses = new List<GenerationStatus>();
        foreach (var name in (status ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!GenerationStatuses.TryParse(name.ToLowerInvariant(), out var parsed))
            {
                return GenerationProblems.Invalid("status",
                    $"Unknown status '{name}'; use queued, running, succeeded, failed, cancelled or interrupted (several comma-separated).");
            }

            statuses.Add(parsed);
        }

        string? wantedMethod = null;
        if (!string.IsNullOrWhiteSpace(method))
        {
            wantedMethod = method.Trim().ToLowerInvariant();
            if (!validator.Methods.Contains(wantedMethod))
            {
                return GenerationProblems.UnknownMethod(method, validator.Methods);
            }
        }

        var pageSize = DefaultPageSize;
        if (limit is not null
            && (!int.TryParse(limit.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out pageSize) || pageSize is < 1 or > MaxPageSize))
        {
            return GenerationProblems.OutOfRange("limit",
                $"limit must be an integer from 1 to {MaxPageSize.ToString(CultureInfo.InvariantCulture)}, not '{limit}'.");
        }

        (DateTimeOffset, string)? after = null;
        if (!string.IsNullOrEmpty(cursor))
        {
            if (GenerationCursor.Decode(cursor) is not { } decoded)
            {
                return GenerationProblems.Invalid("cursor", "cursor is not a cursor this service gave out; pass a nextCursor unchanged.");
            }

            after = decoded;
        }

        var page = await jobs.ListAsync(Owner(httpContext), statuses, wantedMethod, after, pageSize + 1, cancellationToken);
        var items = new List<GenerationListItem>(Math.Min(page.Count, pageSize));
        foreach (var job in page.Take(pageSize))
        {
            var rounds = GenerationReadout.Rounds(await jobs.GetEventsAsync(job.Id, 0, cancellationToken));
            var outcome = GenerationReadout.Outcome(job, rounds);
            items.Add(new GenerationListItem
            {
                Id = job.Id,
                Status = job.Status.ToWire(),
                Outcome = outcome,
                Summary = GenerationReadout.Summary(job, outcome, rounds),
                Method = job.Spec.Method,
                KnowledgeBase = job.Spec.KnowledgeBase,
                Language = job.Spec.Language,
                CreatedAt = job.CreatedAt,
                FinishedAt = job.FinishedAt,
                Usage = job.Usage,
                Url = $"{Path}/{job.Id}",
            });
        }

        var next = page.Count > pageSize ? GenerationCursor.Encode(page[pageSize - 1].CreatedAt, page[pageSize - 1].Id) : null;
        return TypedResults.Ok(new GenerationList(items, next));
    }

    internal static async Task<IResult> GetAsync(string id,
        [FromQuery, Description("compact (default): rounds at a glance; full: also trace, every round in full.")] string? view, [FromServices] GenerationService jobs, HttpContext httpContext,
        CancellationToken cancellationToken)
    {
        var full = view?.Trim().ToLowerInvariant() switch
        {
            null or "" or "compact" => false,
            "full" => true,
            _ => (bool?)null,
        };
        if (full is null)
        {
            return GenerationProblems.Invalid("view", $"view must be 'compact' (the default) or 'full', not '{view}'.");
        }

        var job = await jobs.GetAsync(id, Owner(httpContext), cancellationToken);
        if (job is null)
        {
            return GenerationProblems.NotFound(id);
        }

        var events = await jobs.GetEventsAsync(id, 0, cancellationToken);
        return TypedResults.Ok(View(job, events, full.Value));
    }

    internal static async Task<IResult> CancelAsync(string id, [FromServices] GenerationService jobs, HttpContext httpContext,
        CancellationToken cancellationToken)
    {
        var job = await jobs.GetAsync(id, Owner(httpContext), cancellationToken);
        if (job is null)
        {
            return GenerationProblems.NotFound(id);
        }

        var (status, wasActive) = await jobs.CancelAsync(job, cancellationToken);
        if (!wasActive)
        {
            return GenerationProblems.Finished(id, status);
        }

        var now = await jobs.GetAsync(id, Owner(httpContext), cancellationToken) ?? job;
        var view = View(now, await jobs.GetEventsAsync(id, 0, cancellationToken));
        return status == GenerationStatus.Cancelled ? TypedResults.Ok(view) : TypedResults.Accepted($"{Path}/{id}", view);
    }

    internal static async Task<IResult> StreamEventsAsync(
        string id,
        [FromQuery] string? lastEventId,
        [FromServices] GenerationService jobs,
        [FromServices] IOptions<GenerationOptions> options,
        [FromServices] TimeProvider time,
        HttpContext httpContext,
        CancellationToken cancellationToken)
    {
        var resumeFrom = httpContext.Request.Headers["Last-Event-ID"].FirstOrDefault() ?? lastEventId;
        long after = 0;
        if (!string.IsNullOrWhiteSpace(resumeFrom)
            && (!long.TryParse(resumeFrom.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out after) || after < 0))
        {
            return GenerationProblems.InvalidLastEventId(resumeFrom);
        }

        if (await jobs.GetAsync(id, Owner(httpContext), cancellationToken) is null)
        {
            return GenerationProblems.NotFound(id);
        }

        var response = httpContext.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        httpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await response.WriteAsync("retry: 2000\n\n", cancellationToken);
        await response.Body.FlushAsync(cancellationToken);

        var heartbeat = TimeSpan.FromSeconds(options.Value.EventStreamHeartbeatSeconds);
        try
        {
            while (true)
            {
                // Take the signal before reading, so that an event stored in between still wakes this stream. A job's
                // final status and its end event are stored together: once it has ended, every event is there to read.
                var changed = jobs.Hub.NextChange(id);
                var ended = (await jobs.GetAsync(id, Owner(httpContext), cancellationToken))?.Status.IsTerminal() ?? true;
                foreach (var e in await jobs.GetEventsAsync(id, after, cancellationToken))
                {
                    var data = e.Name == GenerationJobRunner.RoundEvent ? GenerationPrompts.Streamed(e.Data) : e.Data;
                    await response.WriteAsync($"id: {e.Sequence.ToString(CultureInfo.InvariantCulture)}\nevent: {e.Name}\ndata: {data}\n\n", cancellationToken);
                    after = e.Sequence;
                    if (e.Name == GenerationJobRunner.EndEvent)
                    {
                        await response.Body.FlushAsync(cancellationToken);
                        return TypedResults.Empty;
                    }
                }

                await response.Body.FlushAsync(cancellationToken);
                if (ended)
                {
                    // Resumed after the end event: nothing more will come.
                    return TypedResults.Empty;
                }

                using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var beat = Task.Delay(heartbeat, time, wait.Token);
                if (await Task.WhenAny(changed, beat) == beat)
                {
                    await response.WriteAsync(": keep-alive\n\n", cancellationToken);
                }

                await wait.CancelAsync();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away.
            return TypedResults.Empty;
        }
    }

    internal static GenerationView View(GenerationJobRecord job, IReadOnlyList<GenerationEventRecord> events, bool full = false)
    {
        var spec = job.Spec;
        var rounds = GenerationReadout.Rounds(events);
        var outcome = GenerationReadout.Outcome(job, rounds);
        return new GenerationView
        {
            Id = job.Id,
            Status = job.Status.ToWire(),
            Outcome = outcome,
            Summary = GenerationReadout.Summary(job, outcome, rounds),
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

    /// <summary>The API key's name when keys are configured; null on an open (loopback-only) service.</summary>
    internal static string? Owner(HttpContext httpContext) =>
        httpContext.User.Identity is { IsAuthenticated: true, Name: { } name } ? name : null;

    private static void LogRefusal(ILogger logger, IResult problem)
    {
        switch (problem)
        {
            case ProblemHttpResult p:
                ApiLog.GenerationRefused(logger, p.ProblemDetails.Type!, p.ProblemDetails.Extensions.TryGetValue("field", out var f) ? f as string : null);
                break;
            case ValidationProblem v:
                ApiLog.GenerationRefused(logger, v.ProblemDetails.Type!, string.Join(",", v.ProblemDetails.Errors.Keys));
                break;
        }
    }
}
