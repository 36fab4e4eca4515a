using EvoR.Sandbox;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace EvoR.Api.Health;

/// <summary>
/// The health endpoints, always open (no key, no rate limit), all answered at once from the background probe's last
/// result (<see cref="HealthMonitor"/>): <c>GET /health</c> (the sandbox report; 503 when unhealthy),
/// <c>GET /health/live</c> (the process answers; no dependency is asked) and <c>GET /health/ready</c> (every
/// dependency: sandbox, knowledge store, LLM endpoint, PostgreSQL when a store uses it; 503 when not ready). On the
/// Docker backend both show each engine (endpoint, breaker state, runs in flight, capacity, failures) as it is now.
/// </summary>
public static class HealthApi
{
    public const string Path = "/health";
    public const string LivePath = "/health/live";
    public const string ReadyPath = "/health/ready";

    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("").WithTags("Health").AllowAnonymous().DisableRateLimiting();
        group.MapGet(Path, CheckAsync)
            .WithName("GetHealth")
            .WithSummary("Health of the sandbox")
            .WithDescription(
                "Whether the sandbox backend works and which languages it found, from the last background probe " +
                "(setting Health:ProbeIntervalSeconds), and on the Docker backend each engine of the fleet with its breaker " +
                "state as it is now. 503 when unhealthy.")
            .Produces<SandboxHealthReport>(StatusCodes.Status503ServiceUnavailable);
        group.MapGet(LivePath, Live)
            .WithName("GetLiveness")
            .WithSummary("Liveness")
            .WithDescription("200 whenever the process answers HTTP; asks no dependency.");
        group.MapGet(ReadyPath, ReadyAsync)
            .WithName("GetReadiness")
            .WithSummary("Readiness of every dependency")
            .WithDescription(
                "The last background probe of the sandbox, the knowledge store and the LLM endpoint (its models list, no " +
                "tokens spent). 503 when the sandbox cannot run programs, the store cannot be read, or a configured LLM " +
                "endpoint does not answer or refuses the key, or PostgreSQL (Generations:Store or Knowledge:Store postgres) does " +
                "not answer. A service without a configured LLM can be ready.")
            .Produces<HealthSnapshot>(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    internal static async Task<Results<Ok<SandboxHealthReport>, JsonHttpResult<SandboxHealthReport>>> CheckAsync(
        [FromServices] HealthMonitor monitor, [FromServices] IEngineFleet fleet, CancellationToken cancellationToken)
    {
        var report = WithEngines((await monitor.GetAsync(cancellationToken)).Sandbox, fleet);
        return report.Healthy
            ? TypedResults.Ok(report)
            : TypedResults.Json(report, statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    /// <summary>The Docker engines as they stand now (the probe's result may be older), each with its breaker.</summary>
    private static SandboxHealthReport WithEngines(SandboxHealthReport report, IEngineFleet fleet) =>
        fleet.Engines is { Count: > 0 } engines ? report with { Engines = engines } : report;

    internal static Ok<LivenessReport> Live() => TypedResults.Ok(new LivenessReport("live"));

    internal static async Task<Results<Ok<HealthSnapshot>, JsonHttpResult<HealthSnapshot>>> ReadyAsync(
        [FromServices] HealthMonitor monitor, [FromServices] IEngineFleet fleet, CancellationToken cancellationToken)
    {
        var last = await monitor.GetAsync(cancellationToken);
        var snapshot = last with { Sandbox = WithEngines(last.Sandbox, fleet) };
        return snapshot.Ready
            ? TypedResults.Ok(snapshot)
            : TypedResults.Json(snapshot, statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}
