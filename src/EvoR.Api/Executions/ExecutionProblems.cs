using System.Globalization;
using EvoR.Api.Problems;
using EvoR.Sandbox;
using EvoR.Sandbox.Backends;
using EvoR.Sandbox.Execution;
using EvoR.Sandbox.Languages;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EvoR.Api.Executions;

/// <summary>The problem details of the executions endpoint, one per way a request can fail.</summary>
internal static class ExecutionProblems
{
    public static ValidationProblem Validation(IDictionary<string, string[]> errors) =>
        TypedResults.ValidationProblem(
            errors,
            detail: "The request is missing required members; see errors.",
            title: "Invalid request",
            type: ProblemTypes.Validation);

    public static ProblemHttpResult EmptyBody() =>
        ProblemDetailsExtensions.Problem(
            StatusCodes.Status400BadRequest, ProblemTypes.InvalidJson, "Malformed JSON",
            "The request body is empty; send a JSON object with at least 'language' and 'code'.",
            [new("path", "$"), new("line", 1L), new("column", 1L)]);

    public static ProblemHttpResult RequestError(ExecutionRequestException error, LanguageCatalog? catalog, NamedLibraries? libraries = null)
    {
        var extensions = new List<KeyValuePair<string, object?>> { new("field", error.Field) };
        switch (error.Kind)
        {
            case RequestErrorKind.UnknownLanguage:
                var known = catalog?.All.Select(l => l.Name).Order(StringComparer.Ordinal).ToList() ?? [];
                extensions.Add(new("knownLanguages", known));
                return ProblemDetailsExtensions.Problem(
                    StatusCodes.Status400BadRequest, ProblemTypes.UnknownLanguage, "Unknown language", error.Message, extensions);
            case RequestErrorKind.UnknownLibrary:
                extensions.Add(new("knownLibraries", libraries?.Names ?? []));
                return ProblemDetailsExtensions.Problem(
                    StatusCodes.Status400BadRequest, ProblemTypes.UnknownLibrary, "Unknown library", error.Message, extensions);
            case RequestErrorKind.LanguageUnavailable:
                // Known, but its toolchain (process backend) or image (Docker) is not installed here: the detail names
                // the command that installs it.
                return ProblemDetailsExtensions.Problem(
                    StatusCodes.Status422UnprocessableEntity, ProblemTypes.LanguageUnavailable, "Language not installed", error.Message, extensions);
            case RequestErrorKind.LimitOutOfRange:
                return ProblemDetailsExtensions.Problem(
                    StatusCodes.Status400BadRequest, ProblemTypes.LimitOutOfRange, "Limit out of range", error.Message, extensions);
            case RequestErrorKind.PayloadTooLarge:
                return ProblemDetailsExtensions.Problem(
                    StatusCodes.Status413PayloadTooLarge, ProblemTypes.PayloadTooLarge, "Payload too large", error.Message, extensions);
            case RequestErrorKind.UnsupportedTests:
                return ProblemDetailsExtensions.Problem(
                    StatusCodes.Status400BadRequest, ProblemTypes.UnsupportedTests, "Unsupported tests", error.Message, extensions);
            case RequestErrorKind.InvalidRequest:
            default:
                return ProblemDetailsExtensions.Problem(
                    StatusCodes.Status400BadRequest, ProblemTypes.InvalidRequest, "Invalid request", error.Message, extensions);
        }
    }

    public static ProblemHttpResult SandboxBusy(SandboxBusyException busy, HttpContext httpContext)
    {
        var seconds = RetryAfterSeconds(busy.RetryAfter);
        httpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return ProblemDetailsExtensions.Problem(
            StatusCodes.Status503ServiceUnavailable, ProblemTypes.SandboxBusy, "Sandbox busy",
            $"Every sandbox worker is busy and the queue is full; retry after {seconds} s.",
            [new("retryAfterSeconds", seconds)]);
    }

    /// <summary>Our fault, not the program's, carrying the whole result. When the machinery that runs programs failed
    /// (a Docker engine unreachable or out of rotation, a container that did not start) the same request may pass a
    /// moment later: a 503 <c>sandbox-unavailable</c> with <c>Retry-After</c>. Anything else (a language image never
    /// built) fails the same way until someone fixes the installation: a 500 <c>sandbox-error</c>.</summary>
    public static ProblemHttpResult SandboxError(ExecutionResult result, HttpContext httpContext)
    {
        const string Fallback = "The sandbox failed to run the program; this is a fault of the service, not of the program.";
        if (result.Fault != SandboxFault.Engine)
        {
            return ProblemDetailsExtensions.Problem(
                StatusCodes.Status500InternalServerError, ProblemTypes.SandboxError, "Sandbox error", result.Message ?? Fallback,
                [new("result", result)]);
        }

        httpContext.Response.Headers.RetryAfter = EngineFaultRetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return ProblemDetailsExtensions.Problem(
            StatusCodes.Status503ServiceUnavailable, ProblemTypes.SandboxUnavailable, "Sandbox unavailable", result.Message ?? Fallback,
            [new("retryAfterSeconds", EngineFaultRetryAfterSeconds), new("result", result)]);
    }

    // Long enough for an engine that restarts to answer again (the backend asks it anew after 2 s), short enough that
    // a client on a fleet soon reaches the engines still in rotation.
    private const int EngineFaultRetryAfterSeconds = 5;

    internal static int RetryAfterSeconds(TimeSpan retryAfter) => Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
}
