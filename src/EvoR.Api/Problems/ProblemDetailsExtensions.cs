using Microsoft.AspNetCore.Http.HttpResults;

namespace EvoR.Api.Problems;

/// <summary>Registers RFC 7807 problem details for every error path: stable types, a request id, no stack trace.</summary>
public static class ProblemDetailsExtensions
{
    /// <summary>Extension member carrying the request id (also echoed in the <c>X-Request-Id</c> header).</summary>
    public const string RequestIdMember = "requestId";

    public static IServiceCollection AddEvoRProblemDetails(this IServiceCollection services)
    {
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            var problem = context.ProblemDetails;
            var status = problem.Status ?? context.HttpContext.Response.StatusCode;
            if (problem.Type is null || !problem.Type.StartsWith(ProblemTypes.Prefix, StringComparison.Ordinal))
            {
                problem.Type = ProblemTypes.ForStatus(status);
            }

            if (status == StatusCodes.Status413PayloadTooLarge && problem.Detail is null)
            {
                problem.Detail = "The request body is larger than this service accepts (setting Requests:MaxBodyBytes).";
            }

            // The developer exception page adds exception details (stack trace included); clients never get them.
            problem.Extensions.Remove("exception");
            problem.Extensions[RequestIdMember] = context.HttpContext.TraceIdentifier;
        });
        services.AddExceptionHandler<BadRequestExceptionHandler>();
        return services;
    }

    /// <summary>A problem result with a stable type and optional extension members.</summary>
    public static ProblemHttpResult Problem(
        int statusCode, string type, string title, string detail, IEnumerable<KeyValuePair<string, object?>>? extensions = null) =>
        TypedResults.Problem(detail: detail, statusCode: statusCode, title: title, type: type, extensions: extensions);
}
