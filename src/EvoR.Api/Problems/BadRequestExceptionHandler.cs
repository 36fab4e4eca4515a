using System.Text.Json;
using EvoR.Api.Telemetry;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace EvoR.Api.Problems;

/// <summary>
/// Turns request-reading failures (malformed JSON, body too large, wrong content type) into problem details. Every
/// other exception falls through to the default handler: a 500 <c>internal-error</c> without details.
/// </summary>
internal sealed class BadRequestExceptionHandler(IProblemDetailsService problemDetails, ILogger<BadRequestExceptionHandler> logger)
    : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException badRequest)
        {
            return false;
        }

        var problem = badRequest.InnerException is JsonException json
            ? InvalidJson(json)
            : badRequest.StatusCode switch
            {
                StatusCodes.Status413PayloadTooLarge => new ProblemDetails
                {
                    Type = ProblemTypes.PayloadTooLarge,
                    Title = "Payload too large",
                    Detail = "The request body is larger than this service accepts (setting Requests:MaxBodyBytes).",
                },
                StatusCodes.Status415UnsupportedMediaType => new ProblemDetails
                {
                    Type = ProblemTypes.UnsupportedMediaType,
                    Title = "Unsupported media type",
                    Detail = "Send the request body as JSON (Content-Type: application/json).",
                },
                _ => new ProblemDetails { Type = ProblemTypes.BadRequest, Title = "Bad request", Detail = badRequest.Message },
            };
        problem.Status = badRequest.InnerException is JsonException ? StatusCodes.Status400BadRequest : badRequest.StatusCode;

        ApiLog.RequestRejected(logger, problem.Status.Value, problem.Type!);
        httpContext.Response.StatusCode = problem.Status.Value;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = problem,
            Exception = exception,
        });
    }

    private static ProblemDetails InvalidJson(JsonException json)
    {
        // JsonException messages end in " Path: $.x | LineNumber: 0 | BytePositionInLine: 5."; the position is given
        // as members instead, one-based.
        var reason = json.Message;
        var cut = reason.IndexOf(" Path:", StringComparison.Ordinal);
        if (cut > 0)
        {
            reason = reason[..cut];
        }

        long? line = json.LineNumber + 1;
        long? column = json.BytePositionInLine + 1;
        var position = line is null ? "" : $" (line {line}, column {column})";
        var problem = new ProblemDetails
        {
            Type = ProblemTypes.InvalidJson,
            Title = "Malformed JSON",
            Detail = $"The request body could not be read at {json.Path ?? "$"}{position}: {reason}",
        };
        problem.Extensions["path"] = json.Path ?? "$";
        problem.Extensions["line"] = line;
        problem.Extensions["column"] = column;
        return problem;
    }
}
