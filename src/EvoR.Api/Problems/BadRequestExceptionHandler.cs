using System.Text.Json;
using System.Text.RegularExpressions;
using EvoR.Api.Telemetry;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace EvoR.Api.Problems;

/// <summary>
/// Turns request-reading failures (malformed JSON, body too large, wrong content type, a JSON shape the serializer cannot
/// bind, such as a polymorphic object without its discriminator) into 400-class problem details that name the member.
/// Every other exception falls through to the default handler: a 500 <c>internal-error</c> without details.
/// </summary>
internal sealed partial class BadRequestExceptionHandler(IProblemDetailsService problemDetails, ILogger<BadRequestExceptionHandler> logger)
    : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (BindingFailure.FromUnbindableBody(exception) is { } unbindable && !httpContext.Response.HasStarted)
        {
            return await WriteAsync(httpContext, unbindable, exception);
        }

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
        return await WriteAsync(httpContext, problem, exception);
    }

    private async ValueTask<bool> WriteAsync(HttpContext httpContext, ProblemDetails problem, Exception exception)
    {
        problem.Status ??= StatusCodes.Status400BadRequest;
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

        var path = json.Path ?? "$";
        if (MissingMembers().Match(reason) is { Success: true } missing)
        {
            return MissingMembersProblem(path, missing.Groups["names"].Value);
        }

        if (UnknownDiscriminator().Match(reason) is { Success: true } unknown)
        {
            return new ProblemDetails
            {
                Type = ProblemTypes.UnsupportedTests,
                Title = "Unsupported tests",
                Detail = $"Unknown tests kind '{unknown.Groups["kind"].Value}' at {path}; use 'script' or 'io'.",
            };
        }

        // Conversion errors name .NET types; say what is wrong in the JSON's terms instead.
        if (reason.Contains("could not be converted to", StringComparison.Ordinal))
        {
            reason = "the value has the wrong JSON type for this member.";
        }

        long? line = json.LineNumber + 1;
        long? column = json.BytePositionInLine + 1;
        var position = line is null ? "" : $" (line {line}, column {column})";
        var problem = new ProblemDetails
        {
            Type = ProblemTypes.InvalidJson,
            Title = "Malformed JSON",
            Detail = $"The request body could not be read at {path}{position}: {reason}",
        };
        problem.Extensions["path"] = path;
        problem.Extensions["line"] = line;
        problem.Extensions["column"] = column;
        return problem;
    }

    /// <summary>A required member of a nested object (e.g. <c>tests.cases</c>) is missing: a validation problem
    /// with one error per member, like the top-level members.</summary>
    private static HttpValidationProblemDetails MissingMembersProblem(string path, string names)
    {
        var prefix = path == "$" ? "" : path.TrimStart('$', '.') + ".";
        var errors = names.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(name => prefix + name.Trim('\''))
            .ToDictionary(field => field, field => new[] { $"{field} is required." }, StringComparer.Ordinal);
        return new HttpValidationProblemDetails(errors)
        {
            Type = ProblemTypes.Validation,
            Title = "Invalid request",
            Detail = "The request is missing required members; see errors.",
        };
    }

    [GeneratedRegex("missing required properties including: (?<names>'[^']+'(?:, '[^']+')*)", RegexOptions.CultureInvariant)]
    private static partial Regex MissingMembers();

    [GeneratedRegex("unrecognized type discriminator id '(?<kind>[^']*)'", RegexOptions.CultureInvariant)]
    private static partial Regex UnknownDiscriminator();
}
