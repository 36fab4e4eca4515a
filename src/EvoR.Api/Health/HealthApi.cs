using EvoR.Api.Telemetry;
using EvoR.Sandbox;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace EvoR.Api.Health;

/// <summary><c>GET /health</c>: the sandbox health report; 200 when healthy, 503 when not. Always open: no key, no
/// rate limit.</summary>
public static class HealthApi
{
    public const string Path = "/health";
    private const string LogCategory = "EvoR.Api.Health";

    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, CheckAsync)
            .WithTags("Health")
            .WithName("GetHealth")
            .WithSummary("Health of the sandbox")
            .WithDescription("Whether the sandbox backend works and which languages it found. 503 when unhealthy.")
            .Produces<SandboxHealthReport>(StatusCodes.Status503ServiceUnavailable)
            .AllowAnonymous()
            .DisableRateLimiting();
        return app;
    }

    internal static async Task<Results<Ok<SandboxHealthReport>, JsonHttpResult<SandboxHealthReport>>> CheckAsync(
        [FromServices] ISandboxHealthProbe probe,
        [FromServices] ILoggerFactory loggerFactory,
        HttpContext httpContext,
        CancellationToken cancellationToken)
    {
        SandboxHealthReport report;
        try
        {
            report = await probe.CheckAsync(cancellationToken);
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            ApiLog.HealthProbeFailed(loggerFactory.CreateLogger(LogCategory), error);
            report = new SandboxHealthReport
            {
                Backend = httpContext.RequestServices.GetService<ICodeExecutor>()?.Backend ?? "unknown",
                Healthy = false,
                Message = "The sandbox health probe failed; see the service log.",
            };
        }

        return report.Healthy
            ? TypedResults.Ok(report)
            : TypedResults.Json(report, statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}
