using System.Text.Json;
using EvoR.Api.Auth;
using EvoR.Api.Generations;
using EvoR.Api.Problems;
using EvoR.Api.RateLimiting;
using EvoR.Api.Telemetry;
using EvoR.Llm.Configuration;
using EvoR.Pipeline.Generation;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace EvoR.Api.ChatCompletions;

/// <summary>
/// <c>POST /v1/chat/completions</c>, OpenAI-compatible (plain and streamed): the last user message is a problem, the
/// reply is the final program of a generation job run through the same pool as <c>/v1/generations</c>.
/// <c>GET /v1/models</c> lists <c>evor</c>, <c>evor:&lt;method&gt;</c> and the aliases of <c>Generations:Models</c>.
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

        group.MapGet("/models", ListModels)
            .WithName("ListModels")
            .WithSummary("The models of the chat completions endpoint: evor, evor:<method> and the configured aliases")
            .WithDescription(
                "An alias (Generations:Models:<alias>) names a method with its knowledge base, language and sources, so a " +
                "chat client that can only choose a model gets EvoR with retrieval. Each model's 'evor' member says what it runs.")
            .Produces<ModelList>()
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        group.MapGet("/models/{id}", GetModel)
            .WithName("GetModel")
            .WithSummary("One model of the chat completions endpoint")
            .WithDescription("404 in OpenAI's shape (error.code model_not_found) for a model that is not listed.")
            .Produces<ModelInfo>()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    internal static Ok<ModelList> ListModels([FromServices] GenerationRequestValidator validator, [FromServices] IOptions<GenerationOptions> options) =>
        TypedResults.Ok(new ModelList("list", [.. AllModels(validator, options.Value)]));

    internal static IResult GetModel(string id, [FromServices] GenerationRequestValidator validator, [FromServices] IOptions<GenerationOptions> options)
    {
        var models = AllModels(validator, options.Value);
        return models.FirstOrDefault(m => string.Equals(m.Id, id, StringComparison.OrdinalIgnoreCase)) is { } model
            ? TypedResults.Ok(model)
            : ChatProblems.UnknownModel(id, models.Select(m => m.Id));
    }

    /// <summary>The built-in models (<c>evor</c>, <c>evor:&lt;method&gt;</c>), then the aliases in order.</summary>
    private static List<ModelInfo> AllModels(GenerationRequestValidator validator, GenerationOptions options)
    {
        var models = new List<ModelInfo> { new(ModelPrefix, "model", 0, "evor") { Evor = new ModelEvoRInfo(ModelPrefix, false) } };
        models.AddRange(validator.Methods.Order(StringComparer.Ordinal)
            .Select(m => new ModelInfo($"{ModelPrefix}:{m}", "model", 0, "evor") { Evor = new ModelEvoRInfo(m, false) }));
        models.AddRange(options.Models.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => new ModelInfo(a.Key, "model", 0, "evor")
        {
            Evor = new ModelEvoRInfo(a.Value.Method.Trim().ToLowerInvariant(), true)
            {
                KnowledgeBase = a.Value.KnowledgeBase,
                Language = a.Value.Language,
                Sources = a.Value.Sources,
                MaxRounds = a.Value.MaxRounds,
                Description = a.Value.Description,
            },
        }));
        return models;
    }

    /// <summary>The alias a model names, with the key as configured; null when it names none.</summary>
    private static KeyValuePair<string, GenerationModelOptions>? Alias(GenerationOptions options, string model) =>
        options.Models.FirstOrDefault(a => string.Equals(a.Key, model, StringComparison.OrdinalIgnoreCase)) is { Value: not null } found
            ? found
            : null;

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

        var model = body.Model?.Trim() ?? "";
        string method;
        string modelName;
        var alias = Alias(options.Value, model);
        if (alias is { } a)
        {
            method = a.Value.Method.Trim().ToLowerInvariant();
            modelName = a.Key;
        }
        else if (string.Equals(model, ModelPrefix, StringComparison.OrdinalIgnoreCase))
        {
            method = ModelPrefix;
            modelName = $"{ModelPrefix}:{method}";
        }
        else if (model.StartsWith(ModelPrefix + ":", StringComparison.OrdinalIgnoreCase))
        {
            method = model[(ModelPrefix.Length + 1)..].ToLowerInvariant();
            modelName = $"{ModelPrefix}:{method}";
        }
        else
        {
            return ChatProblems.UnknownModel(model, AllModels(validator, options.Value).Select(m => m.Id));
        }

        if (!validator.Methods.Contains(method))
        {
            return ChatProblems.UnknownModel(model, AllModels(validator, options.Value).Select(m => m.Id));
        }

        var description = body.Messages?.LastOrDefault(m => string.Equals(m.Role, "user", StringComparison.OrdinalIgnoreCase)) is { } user
            ? Text(user.Content)
            : null;
        if (string.IsNullOrWhiteSpace(description))
        {
            return ChatProblems.With(GenerationProblems.Validation(new Dictionary<string, string[]>
            {
                ["messages"] = ["A user message with the problem's description is required."],
            }));
        }

        if (body.N is { } n && n != 1)
        {
            return ChatProblems.With(GenerationProblems.Invalid("n", "Only one choice (n = 1) is supported."));
        }

        var e = body.Evor;
        var preset = alias?.Value;
        var request = new GenerationRequestBody
        {
            Method = method,
            Problem = new GenerationProblemBody
            {
                Description = description,
                Language = !string.IsNullOrWhiteSpace(e?.Language) ? e.Language
                    : !string.IsNullOrWhiteSpace(preset?.Language) ? preset.Language
                    : DefaultLanguage,
                Library = e?.Library ?? preset?.Library,
                CodeContext = e?.CodeContext,
                Style = e?.Style,
                VisibleTests = e?.VisibleTests,
                HiddenTests = e?.HiddenTests,
            },
            KnowledgeBase = e?.KnowledgeBase ?? preset?.KnowledgeBase,
            Sources = e?.Sources ?? preset?.Sources,
            MaxRounds = e?.MaxRounds ?? preset?.MaxRounds,
            TimeBudgetSeconds = e?.TimeBudgetSeconds,
            TokenBudget = e?.TokenBudget,
            Llm = body.Temperature is null && body.MaxTokens is null && body.MaxCompletionTokens is null
                ? null
                : new LlmOverridesBody { Temperature = body.Temperature, MaxOutputTokens = body.MaxCompletionTokens ?? body.MaxTokens },
        };

        var (spec, problem) = await validator.ValidateAsync(request, "chat", GenerationsApi.Owner(httpContext), cancellationToken);
        if (problem is not null)
        {
            if (problem is ProblemHttpResult p)
            {
                ApiLog.GenerationRefused(logger, p.ProblemDetails.Type!, p.ProblemDetails.Extensions.TryGetValue("field", out var f) ? f as string : null);
            }

            return ChatProblems.With(problem);
        }

        var (job, refusal) = await GenerationsApi.SubmitAsync(spec!, jobs, llm, options.Value, logger, httpContext, cancellationToken);
        if (refusal is not null)
        {
            return ChatProblems.With(refusal);
        }

        var context = new Completion(job!.Id, modelName, time.GetUtcNow().ToUnixTimeSeconds());
        httpContext.Response.Headers["X-EvoR-Generation-Id"] = job.Id;
        var heartbeat = TimeSpan.FromSeconds(options.Value.EventStreamHeartbeatSeconds);
        try
        {
            return body.Stream == true
                ? await StreamAsync(context, body.StreamOptions?.IncludeUsage == true, jobs, heartbeat, httpContext, cancellationToken)
                : await AnswerAsync(context, jobs, heartbeat, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away: its job is of no use to anyone now.
            if (await jobs.GetAsync(job.Id, GenerationsApi.Owner(httpContext), CancellationToken.None) is { } left)
            {
                await jobs.CancelAsync(left, CancellationToken.None);
            }

            return TypedResults.Empty;
        }
    }

    private static async Task<IResult> AnswerAsync(Completion c, GenerationService jobs, TimeSpan heartbeat, CancellationToken cancellationToken)
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
            SystemFingerprint = Fingerprint,
            Choices = [new ChatChoice(0, new ChatMessageOut("assistant", job.Answer.Code), "stop")],
            Usage = Usage(job),
            Evor = Info(job, rounds),
        });
    }

    private static async Task<IResult> StreamAsync(Completion c, bool includeUsage, GenerationService jobs, TimeSpan heartbeat,
        HttpContext httpContext, CancellationToken cancellationToken)
    {
        var response = httpContext.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        httpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await WriteAsync(response, Chunk(c, new ChatDelta { Role = "assistant", Content = "" }, null), cancellationToken);

        var rounds = 0;
        var job = await jobs.WaitForEndAsync(c.JobId,
            async e =>
            {
                if (e.Name != GenerationJobRunner.RoundEvent)
                {
                    return;
                }

                // A comment: OpenAI clients skip it, a person watching the stream sees the job move.
                rounds++;
                using var round = JsonDocument.Parse(e.Data);
                var clean = round.RootElement.TryGetProperty("ranClean", out var rc) && rc.ValueKind == JsonValueKind.True;
                await response.WriteAsync($": evor round {rounds} done{(clean ? ", ran clean" : "")}\n\n", cancellationToken);
                await response.Body.FlushAsync(cancellationToken);
            },
            heartbeat,
            async () =>
            {
                await response.WriteAsync(": keep-alive\n\n", cancellationToken);
                await response.Body.FlushAsync(cancellationToken);
            },
            cancellationToken);

        if (job.Status != GenerationStatus.Succeeded || job.Answer is null)
        {
            var error = job.Error ?? new GenerationError(ProblemTypes.GenerationFailed, "Generation ended", $"The generation ended {job.Status.ToWire()}.");
            var payload = new { error = new { message = error.Detail, type = error.Type, code = job.Status.ToWire() }, evor = Info(job, rounds) };
            await response.WriteAsync($"data: {JsonSerializer.Serialize(payload, GenerationJson.Options)}\n\n", cancellationToken);
        }
        else
        {
            const int Piece = 256;
            var code = job.Answer.Code;
            for (var i = 0; i < code.Length; i += Piece)
            {
                await WriteAsync(response, Chunk(c, new ChatDelta { Content = code.Substring(i, Math.Min(Piece, code.Length - i)) }, null), cancellationToken);
            }

            await WriteAsync(response, Chunk(c, new ChatDelta(), "stop") with { Evor = Info(job, rounds) }, cancellationToken);
            if (includeUsage)
            {
                await WriteAsync(response, new ChatCompletionChunk
                {
                    Id = c.CompletionId, Created = c.Created, Model = c.Model, SystemFingerprint = Fingerprint, Choices = [], Usage = Usage(job),
                }, cancellationToken);
            }
        }

        await response.WriteAsync("data: [DONE]\n\n", cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
        return TypedResults.Empty;
    }

    /// <summary>The prompt set's version: the answer to the same request changes when it does.</summary>
    private static string Fingerprint => "evor-" + PromptSet.Version;

    private static ChatCompletionChunk Chunk(Completion c, ChatDelta delta, string? finishReason) => new()
    {
        Id = c.CompletionId,
        Created = c.Created,
        Model = c.Model,
        SystemFingerprint = Fingerprint,
        Choices = [new ChatChunkChoice(0, delta, finishReason)],
    };

    private static async Task WriteAsync(HttpResponse response, ChatCompletionChunk chunk, CancellationToken cancellationToken)
    {
        await response.WriteAsync($"data: {JsonSerializer.Serialize(chunk, GenerationJson.Options)}\n\n", cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    private static ChatUsage Usage(GenerationJobRecord job) =>
        new(job.Usage.PromptTokens, job.Usage.CompletionTokens, job.Usage.PromptTokens + job.Usage.CompletionTokens);

    private static ChatEvoRInfo Info(GenerationJobRecord job, int rounds) =>
        new(job.Id, $"{GenerationsApi.Path}/{job.Id}", job.Status.ToWire(), job.Answer?.Source, job.Answer?.Stop, rounds);

    // Content is a string, or an array of parts of which the text ones count.
    private static string? Text(JsonElement content) => content.ValueKind switch
    {
        JsonValueKind.String => content.GetString(),
        JsonValueKind.Array => string.Join("\n", content.EnumerateArray()
            .Where(p => p.ValueKind == JsonValueKind.Object && p.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String)
            .Select(p => p.GetProperty("text").GetString())),
        _ => null,
    };

    private sealed record Completion(string JobId, string Model, long Created)
    {
        public string CompletionId => "chatcmpl-" + JobId;
    }
}
