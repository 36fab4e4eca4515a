using EvoR.Api.Generations;
using EvoR.Api.Problems;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace EvoR.Api.ChatCompletions;

/// <summary>
/// Problem details of the OpenAI-compatible endpoints. Each also carries OpenAI's <c>error</c> member
/// (<c>message</c>, <c>type</c>, <c>code</c>, <c>param</c>), so that OpenAI clients show the reason; fields are named
/// as a chat request names them (<c>evor.language</c>, <c>max_completion_tokens</c>), not as <c>/v1/generations</c> does.
/// </summary>
internal static class ChatProblems
{
    public static IResult UnknownModel(string model, IEnumerable<string> known) =>
        With(ProblemDetailsExtensions.Problem(StatusCodes.Status404NotFound, ProblemTypes.UnknownModel, "Unknown model",
            $"The model '{model}' does not exist; use 'evor', 'evor:<method>' or a configured alias (GET /v1/models lists them).",
            [new("field", "model"), new("knownModels", known.ToList())]), "model_not_found");

    /// <summary>The job did not succeed: 502 with its error (503 when the service stopped under it).</summary>
    public static IResult JobEnded(GenerationJobRecord job)
    {
        var error = job.Error ?? new GenerationError(ProblemTypes.GenerationFailed, "Generation ended", $"The generation ended {job.Status.ToWire()}.");
        var status = job.Status == GenerationStatus.Interrupted ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status502BadGateway;
        return With(ProblemDetailsExtensions.Problem(status, ProblemTypes.GenerationFailed, "Generation failed",
            $"The generation job {job.Id} ended {job.Status.ToWire()}: {error.Detail}",
            [new("generationId", job.Id), new("jobStatus", job.Status.ToWire()), new("cause", error.Type)]), job.Status.ToWire());
    }

    /// <summary>Adds OpenAI's <c>error</c> member to a problem result, with the field renamed as a chat request names it.</summary>
    public static IResult With(IResult result, string? code = null)
    {
        switch (result)
        {
            case ProblemHttpResult p:
                if (p.ProblemDetails.Extensions.TryGetValue("field", out var f) && f is string field)
                {
                    var chatField = ChatField(field);
                    p.ProblemDetails.Extensions["field"] = chatField;
                    // OpenAI clients show only error.message: it names the field.
                    var detail = RenameIn(p.ProblemDetails.Detail, field) ?? "";
                    p.ProblemDetails.Detail = detail.Contains(chatField, StringComparison.Ordinal) ? detail : $"{chatField}: {detail}";
                }

                AddError(p.ProblemDetails, code);
                break;
            case ValidationProblem v:
                var errors = v.ProblemDetails.Errors.ToDictionary(e => ChatField(e.Key), e => e.Value);
                v.ProblemDetails.Errors.Clear();
                foreach (var (key, messages) in errors)
                {
                    v.ProblemDetails.Errors[key] = messages;
                }

                // OpenAI clients show only error.message: it names every field and what is wrong with it.
                v.ProblemDetails.Detail = string.Join(" ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}"));
                v.ProblemDetails.Extensions["field"] = errors.Keys.FirstOrDefault();
                AddError(v.ProblemDetails, code);
                break;
        }

        return result;
    }

    /// <summary>OpenAI's <c>error</c> member for a problem, unless it has one: the problem's detail as the message,
    /// its <c>field</c> as <c>param</c>, and OpenAI's type and code for the status.</summary>
    public static void AddError(ProblemDetails problem, string? code = null)
    {
        if (problem.Extensions.ContainsKey("error"))
        {
            return;
        }

        var status = problem.Status ?? StatusCodes.Status500InternalServerError;
        var stable = problem.Type is { } t && t.StartsWith(ProblemTypes.Prefix, StringComparison.Ordinal) ? t[ProblemTypes.Prefix.Length..] : null;
        problem.Extensions["error"] = new Dictionary<string, object?>
        {
            ["message"] = problem.Detail ?? problem.Title,
            ["type"] = status switch
            {
                StatusCodes.Status401Unauthorized => "authentication_error",
                StatusCodes.Status403Forbidden => "permission_error",
                StatusCodes.Status404NotFound => "invalid_request_error",
                StatusCodes.Status429TooManyRequests => "rate_limit_error",
                >= 500 => "server_error",
                _ => "invalid_request_error",
            },
            ["param"] = problem.Extensions.TryGetValue("field", out var f) ? f as string : null,
            ["code"] = code ?? status switch
            {
                StatusCodes.Status401Unauthorized => "invalid_api_key",
                StatusCodes.Status429TooManyRequests => "rate_limit_exceeded",
                _ => stable,
            },
        };
    }

    /// <summary>A field of <c>/v1/generations</c> as a chat request names it.</summary>
    internal static string ChatField(string field) => field switch
    {
        "problem.description" or "problem" => "messages",
        "method" => "model",
        "llm.temperature" => "temperature",
        "llm.maxOutputTokens" => "max_completion_tokens",
        _ when field.StartsWith("problem.", StringComparison.Ordinal) => "evor." + field["problem.".Length..],
        _ when field.StartsWith("evor.", StringComparison.Ordinal) || field is "messages" or "model" or "n" => field,
        _ => "evor." + field,
    };

    private static string? RenameIn(string? detail, string field) =>
        detail is null || ChatField(field) == field ? detail : detail.Replace(field, ChatField(field), StringComparison.Ordinal);
}
