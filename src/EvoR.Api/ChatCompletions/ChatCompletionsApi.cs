using EvoR.Api.Auth;
using EvoR.Api.Generations;
using EvoR.Api.RateLimiting;
using EvoR.Llm.Configuration;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace EvoR.Api.ChatCompletions;

/// <summary>
/// <c>POST /v1/chat/completions</c>, OpenAI-compatible (plain and streamed): the last user message is a problem, the
/// reply is the final program of a generation job run through the same pool as <c>/v1/generations</c>.
/// <c>GET /v1/models</c> lists <c>evor</c>, <c>evor:&lt;method&gt;</c> and the aliases of <c>Generations:Models</c>
/// (<see cref="ChatModels"/>). A request is translated (<see cref="ChatGenerationRequest"/>) and then validated and
/// queued as <c>/v1/generations</c> does it; its problems carry OpenAI's <c>error</c> member (<see cref="ChatProblems"/>).
/// </summary>
public static class ChatCompletionsApi
{
    public const string ModelPrefix = "evor";
    public const string DefaultLanguage = "python";
    private const string LogCategory = "EvoR.Api.ChatCompletions";

    public static IEndpointRouteBuilder MapChatCompletionsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1")
            .WithTags("OpenAI-compatible")
            .RequireApiKey()
            .RequirePerKeyRateLimit();

        group.MapPost("/chat/completions", CompleteAsync)
            .WithName("CreateChatCompletion")
            .WithSummary("OpenAI-compatible chat completion answered by an EvoR generation job")
            .WithDescription(
                "model: 'evor' (the EvoR method), 'evor:<method>' (evor, vanilla, docprompting, reflexion, evor+reflexion) or an " +
                "alias configured as Generations:Models:<alias> (a method with its knowledge base, language and sources; GET /v1/models lists them). " +
                "The last user message is the problem's description; earlier messages are not used. The language comes from " +
                "the extension member evor.language (default python), with the rest of a generation request (codeContext, " +
                "visibleTests, knowledgeBase, maxRounds…) beside it. The reply's content is the final program. With " +
                "stream: true the answer comes as chat.completion.chunk events and 'data: [DONE]' (SSE comments mark the " +
                "rounds while the job runs). The member 'evor' of the answer names the job (GET /v1/generations/{id}) and " +
                "the source of the program (model, replay or scripted).")
            .Accepts<ChatCompletionRequest>("application/json")
            // One response for both: a JSON completion, or (stream: true) SSE of chat.completion.chunk.
            .Produces<ChatCompletionResponse>(StatusCodes.Status200OK, "application/json", "text/event-stream")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status502BadGateway)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        group.MapGet("/models", ChatModels.ListModels)
            .WithName("ListModels")
            .WithSummary("The models of the chat completions endpoint: evor, evor:<method> and the configured aliases")
            .WithDescription(
                "An alias (Generations:Models:<alias>) names a method with its knowledge base, language and sources, so a " +
                "chat client that can only choose a model gets EvoR with retrieval. Each model's 'evor' member says what it runs.")
            .Produces<ModelList>()
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        group.MapGet("/models/{id}", ChatModels.GetModel)
            .WithName("GetModel")
            .WithSummary("One model of the chat completions endpoint")
            .WithDescription("404 in OpenAI's shape (error.code model_not_found) for a model that is not listed.")
            .Produces<ModelInfo>()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    internal static async Task<IResult> CompleteAsync(
        [FromBody] ChatCompletionRequest? body,
        [FromServices] GenerationRequestValidator validator,
        [FromServices] GenerationService jobs,
        [FromServices] ILlmAvailability llm,
        [FromServices] IOptions<GenerationOptions> options,
        [FromServices] TimeProvider time,
        [FromServices] ILoggerFactory loggerFactory,
        HttpContext httpContext,
        CancellationToken cancellationToken)
    {
        var logger = loggerFactory.CreateLogger(LogCategory);
        if (body is null)
        {
            return ChatProblems.With(GenerationProblems.EmptyBody());
        }

        var modelName = body.Model?.Trim() ?? "";
        if (ChatModels.Resolve(modelName, validator, options.Value) is not { } model)
        {
            return ChatModels.Unknown(modelName, validator, options.Value);
        }

        var (request, invalid) = ChatGenerationRequest.From(body, model);
        if (request is null)
        {
            return ChatProblems.With(invalid!);
        }

        var owner = GenerationOwner.Of(httpContext);
        var (spec, problem) = await validator.ValidateAsync(request, "chat", owner, cancellationToken);
        if (problem is not null)
        {
            GenerationSubmission.LogRefusal(logger, problem);
            return ChatProblems.With(problem);
        }

        var (job, refusal) = await GenerationSubmission.SubmitAsync(spec!, jobs, llm, options.Value, logger, httpContext, cancellationToken);
        if (refusal is not null)
        {
            return ChatProblems.With(refusal);
        }

        var completion = new ChatCompletionJob(job!.Id, model.Name, time.GetUtcNow().ToUnixTimeSeconds());
        httpContext.Response.Headers["X-EvoR-Generation-Id"] = job.Id;
        var heartbeat = TimeSpan.FromSeconds(options.Value.EventStreamHeartbeatSeconds);
        try
        {
            return body.Stream == true
                ? await ChatCompletionStream.StreamAsync(completion, body.StreamOptions?.IncludeUsage == true, jobs, heartbeat, httpContext, cancellationToken)
                : await AnswerAsync(completion, jobs, heartbeat, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away: its job is of no use to anyone now.
            if (await jobs.GetAsync(job.Id, owner, CancellationToken.None) is { } left)
            {
                await jobs.CancelAsync(left, CancellationToken.None);
            }

            return TypedResults.Empty;
        }
    }

    /// <summary>The plain (not streamed) answer: one completion once the job has ended, or its problem.</summary>
    private static async Task<IResult> AnswerAsync(ChatCompletionJob c, GenerationService jobs, TimeSpan heartbeat, CancellationToken cancellationToken)
    {
        var job = await jobs.WaitForEndAsync(c.JobId, null, heartbeat, null, cancellationToken);
        if (job.Status != GenerationStatus.Succeeded || job.Answer is null)
        {
            return ChatProblems.JobEnded(job);
        }

        var rounds = (await jobs.GetEventsAsync(job.Id, 0, cancellationToken)).Count(e => e.Name == GenerationJobRunner.RoundEvent);
        return TypedResults.Ok(new ChatCompletionResponse
        {
            Id = c.CompletionId,
            Created = c.Created,
            Model = c.Model,
            SystemFingerprint = ChatCompletionJob.Fingerprint,
            Choices = [new ChatChoice(0, new ChatMessageOut("assistant", job.Answer.Code), "stop")],
            Usage = ChatCompletionJob.Usage(job),
            Evor = ChatCompletionJob.Info(job, rounds),
        });
    }
}
