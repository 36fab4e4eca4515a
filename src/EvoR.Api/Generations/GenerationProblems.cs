using System.Globalization;
using EvoR.Api.Problems;
using EvoR.Llm.Configuration;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EvoR.Api.Generations;

/// <summary>The problem details of the generation endpoints, one per way a request can fail.</summary>
internal static class GenerationProblems
{
    public static ProblemHttpResult EmptyBody() =>
        ProblemDetailsExtensions.Problem(
            StatusCodes.Status400BadRequest, ProblemTypes.InvalidJson, "Malformed JSON",
            "The request body is empty; send a JSON object with at least 'problem' ('description' and 'language').",
            [new("path", "$"), new("line", 1L), new("column", 1L)]);

    public static ValidationProblem Validation(IDictionary<string, string[]> errors) =>
        TypedResults.ValidationProblem(errors, detail: "The request is missing required members; see errors.",
            title: "Invalid request", type: ProblemTypes.Validation);

    public static ProblemHttpResult UnknownMethod(string method, IEnumerable<string> known) =>
        ProblemDetailsExtensions.Problem(StatusCodes.Status400BadRequest, ProblemTypes.UnknownMethod, "Unknown method",
            $"Unknown method '{method}'.", [new("field", "method"), new("knownMethods", known.Order(StringComparer.Ordinal).ToList())]);

    public static ProblemHttpResult UnknownLanguage(string language, IEnumerable<string> known) =>
        ProblemDetailsExtensions.Problem(StatusCodes.Status400BadRequest, ProblemTypes.UnknownLanguage, "Unknown language",
            $"Unknown language '{language}'; GET /v1/languages lists them.",
            [new("field", "problem.language"), new("knownLanguages", known.Order(StringComparer.Ordinal).ToList())]);

    public static ProblemHttpResult OutOfRange(string field, string detail) =>
        ProblemDetailsExtensions.Problem(StatusCodes.Status400BadRequest, ProblemTypes.LimitOutOfRange, "Limit out of range", detail,
            [new("field", field)]);

    public static ProblemHttpResult Invalid(string field, string detail) =>
        ProblemDetailsExtensions.Problem(StatusCodes.Status400BadRequest, ProblemTypes.InvalidRequest, "Invalid request", detail,
            [new("field", field)]);

    public static ProblemHttpResult InvalidSourceKind(string field, string detail) =>
        ProblemDetailsExtensions.Problem(StatusCodes.Status400BadRequest, ProblemTypes.InvalidSourceKind, "Invalid source kind", detail,
            [new("field", field)]);

    public static ProblemHttpResult UnknownKnowledgeBase(string name) =>
        ProblemDetailsExtensions.Problem(StatusCodes.Status404NotFound, ProblemTypes.UnknownKnowledgeBase, "Unknown knowledge base",
            $"No knowledge base is named '{name}'; GET /v1/knowledge-bases lists them.", [new("field", "knowledgeBase")]);

    public static ProblemHttpResult LlmNotConfigured(ILlmAvailability llm) =>
        ProblemDetailsExtensions.Problem(StatusCodes.Status503ServiceUnavailable, ProblemTypes.LlmNotConfigured, "No language model configured",
            new LlmNotConfiguredException(llm.Provider, llm.MissingSettings).Message,
            [new("provider", llm.Provider), new("missingSettings", llm.MissingSettings)]);

    public static ProblemHttpResult Busy(int retryAfterSeconds, HttpContext httpContext)
    {
        httpContext.Response.Headers.RetryAfter = retryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return ProblemDetailsExtensions.Problem(StatusCodes.Status503ServiceUnavailable, ProblemTypes.GenerationsBusy, "Generation queue full",
            $"Every generation worker is busy and the queue is full (Generations:Workers, Generations:QueueLimit); retry after {retryAfterSeconds} s.",
            [new("retryAfterSeconds", retryAfterSeconds)]);
    }

    public static ProblemHttpResult NotFound(string id) =>
        ProblemDetailsExtensions.Problem(StatusCodes.Status404NotFound, ProblemTypes.NotFound, "Unknown generation",
            $"No generation job has the id '{id}'.");

    public static ProblemHttpResult Finished(string id, GenerationStatus status) =>
        ProblemDetailsExtensions.Problem(StatusCodes.Status409Conflict, ProblemTypes.GenerationFinished, "Generation already ended",
            $"Generation '{id}' has already ended ({status.ToWire()}); there is nothing to cancel.", [new("jobStatus", status.ToWire())]);

    public static ProblemHttpResult InvalidLastEventId(string value) =>
        ProblemDetailsExtensions.Problem(StatusCodes.Status400BadRequest, ProblemTypes.InvalidLastEventId, "Invalid Last-Event-ID",
            $"Last-Event-ID must be the non-negative integer id of an event of this stream, not '{value}'.", [new("field", "Last-Event-ID")]);
}
