using EvoR.Api.Auth;
using EvoR.Api.RateLimiting;
using EvoR.Sandbox;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace EvoR.Api.Languages;

/// <summary><c>GET /v1/languages</c>: the languages this service runs, from the sandbox health probe.</summary>
public static class LanguagesApi
{
    public static IEndpointRouteBuilder MapLanguagesApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/v1/languages")
            .WithTags("Languages")
            .RequireApiKey()
            .RequirePerKeyRateLimit()
            .MapGet("", GetLanguagesAsync)
            .WithName("ListLanguages")
            .WithSummary("List the languages")
            .WithDescription(
                "Every built-in language, installed or not, with its aliases, its Debian packages, the version found on " +
                "this host, whether it is compiled, whether it supports HumanEval-style script tests, and whether it is " +
                "available now; when it is not, unavailableReason says why (e.g. not installed, naming the command " +
                "that installs it).")
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        return app;
    }

    internal static async Task<Ok<IReadOnlyList<LanguageInfo>>> GetLanguagesAsync(
        [FromServices] ISandboxHealthProbe probe, CancellationToken cancellationToken)
    {
        var report = await probe.CheckAsync(cancellationToken);
        return TypedResults.Ok(report.Languages);
    }
}
