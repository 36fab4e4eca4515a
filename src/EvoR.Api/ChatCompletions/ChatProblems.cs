using EvoR.Api.Generations;
using EvoR.Api.Problems;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EvoR.Api.ChatCompletions;

/// <summary>
/// Problem details of the chat completions endpoint. Each also carries OpenAI's <c>error</c> member
/// (<c>message</c>, <c>type</c>, <c>code</c>), so that OpenAI clients show the reason.
/// </summary>
internal static class ChatProblems
{
    public static IResult UnknownModel(string model, IEnumerable<string> known) =>
        With(ProblemDetailsExtensions.Problem(StatusCodes.Status404NotFound, ProblemTypes.UnknownModel, "Unknown model",
            $"Unknown model '{model}'; use 'evor' or 'evor:<method>'.", [new("field", "model"), new("knownModels", known.ToList())]), "model_not_found");

    /// <summary>The job did not succeed: 502 with its error (503 when the service stopped under it).</summary>
    public static IResult JobEnded(GenerationJobRecord job)
    {
        var error = job.Error ?? new GenerationError(ProblemTypes.GenerationFailed, "Generation ended", $"The generation ended {job.Status.ToWire()}.");
        var status = job.Status == GenerationStatus.Interrupted ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status502BadGateway;
        return With(ProblemDetailsExtensions.Problem(status, ProblemTypes.GenerationFailed, "Generation failed",
            $"The generation job {job.Id} ended {job.Status.ToWire()}: {error.Detail}",
            [new("generationId", job.Id), new("jobStatus", job.Status.ToWire()), new("cause", error.Type)]), job.Status.ToWire());
    }

    /// <summary>Adds OpenAI's <c>error</c> member to a problem result.</summary>
    public static IResult With(IResult result, string? code = null)
    {
        var problem = result switch
        {
            ProblemHttpResult p => p.ProblemDetails,
            ValidationProblem v => v.ProblemDetails,
            _ => null,
        };
        if (problem is not null)
        {
            var field = problem.Extensions.TryGetValue("field", out var f) ? f as string : null;
            problem.Extensions["error"] = new Dictionary<string, object?>
            {
                ["message"] = problem.Detail,
                ["type"] = problem.Status >= 500 ? "server_error" : "invalid_request_error",
                ["param"] = field,
                ["code"] = code ?? problem.Type?[ProblemTypes.Prefix.Length..],
            };
        }

        return result;
    }
}
