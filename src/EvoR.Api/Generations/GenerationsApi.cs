using System.ComponentModel;
using EvoR.Api.Auth;
using EvoR.Api.RateLimiting;
using EvoR.Llm.Configuration;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace EvoR.Api.Generations;

/// <summary>
/// <c>/v1/generations</c>: create a code-generation job (202), read it, stream its rounds as Server-Sent Events
/// (replayable, <c>Last-Event-ID</c>; <see cref="GenerationEventStream"/>), cancel it. A job made with an API key is that
/// key's only (<see cref="GenerationOwner"/>): to another caller its id is a 404, as an unknown one is.
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

        group.MapGet("/{id}/events", GenerationEventStream.StreamEventsAsync)
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
        var (spec, problem) = await validator.ValidateAsync(body, "rest", GenerationOwner.Of(httpContext), cancellationToken);
        if (problem is not null)
        {
            GenerationSubmission.LogRefusal(logger, problem);
            return problem;
        }

        var (job, refusal) = await GenerationSubmission.SubmitAsync(spec!, jobs, llm, options.Value, logger, httpContext, cancellationToken);
        if (refusal is not null)
        {
            return refusal;
        }

        var url = GenerationViews.Url(job!.Id);
        return TypedResults.Accepted(url, new GenerationCreated(job.Id, job.Status.ToWire(), url, url + "/events"));
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
        var (query, problem) = GenerationListQuery.Parse(status, method, limit, cursor, validator.Methods);
        if (query is null)
        {
            return problem!;
        }

        // One job more than the page: whether it exists says whether there is a next page.
        var pageSize = query.PageSize;
        var page = await jobs.ListAsync(GenerationOwner.Of(httpContext), query.Statuses, query.Method, query.After, pageSize + 1, cancellationToken);
        var items = new List<GenerationListItem>(Math.Min(page.Count, pageSize));
        foreach (var job in page.Take(pageSize))
        {
            items.Add(GenerationViews.ListItem(job, await jobs.GetEventsAsync(job.Id, 0, cancellationToken)));
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

        var job = await jobs.GetAsync(id, GenerationOwner.Of(httpContext), cancellationToken);
        if (job is null)
        {
            return GenerationProblems.NotFound(id);
        }

        var events = await jobs.GetEventsAsync(id, 0, cancellationToken);
        return TypedResults.Ok(GenerationViews.View(job, events, full.Value));
    }

    internal static async Task<IResult> CancelAsync(string id, [FromServices] GenerationService jobs, HttpContext httpContext,
        CancellationToken cancellationToken)
    {
        var owner = GenerationOwner.Of(httpContext);
        var job = await jobs.GetAsync(id, owner, cancellationToken);
        if (job is null)
        {
            return GenerationProblems.NotFound(id);
        }

        var (status, wasActive) = await jobs.CancelAsync(job, cancellationToken);
        if (!wasActive)
        {
            return GenerationProblems.Finished(id, status);
        }

        var now = await jobs.GetAsync(id, owner, cancellationToken) ?? job;
        var view = GenerationViews.View(now, await jobs.GetEventsAsync(id, 0, cancellationToken));
        return status == GenerationStatus.Cancelled ? TypedResults.Ok(view) : TypedResults.Accepted(GenerationViews.Url(id), view);
    }
}
