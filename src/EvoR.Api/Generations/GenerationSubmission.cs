using EvoR.Api.Telemetry;
using EvoR.Llm.Configuration;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EvoR.Api.Generations;

/// <summary>
/// What every way of creating a job shares (<c>POST /v1/generations</c>, <c>POST /v1/chat/completions</c>): the
/// log line of a refused request, and the checks after validation, each with its own problem.
/// </summary>
internal static class GenerationSubmission
{
    /// <summary>A configured model, then room in the queue; the job, or the problem that refused it.</summary>
    public static async Task<(GenerationJobRecord? Job, IResult? Refusal)> SubmitAsync(GenerationJobSpec spec, GenerationService jobs,
        ILlmAvailability llm, GenerationOptions options, ILogger logger, HttpContext httpContext, CancellationToken cancellationToken)
    {
        if (!llm.IsConfigured)
        {
            ApiLog.GenerationWithoutModel(logger, string.Join(", ", llm.MissingSettings));
            return (null, GenerationProblems.LlmNotConfigured(llm));
        }

        var job = await jobs.CreateAsync(spec, GenerationOwner.Of(httpContext), cancellationToken);
        if (job is null)
        {
            ApiLog.GenerationQueueFull(logger, options.RetryAfterSeconds);
            return (null, GenerationProblems.Busy(options.RetryAfterSeconds, httpContext));
        }

        return (job, null);
    }

    /// <summary>Logs a request the validator refused: the problem's type and the field (or fields) it names, never the values.</summary>
    public static void LogRefusal(ILogger logger, IResult problem)
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
