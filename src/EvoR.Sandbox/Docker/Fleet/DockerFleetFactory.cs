using System.ComponentModel.DataAnnotations;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EvoR.Sandbox.Docker.Fleet;

/// <summary>
/// Builds the Docker backend from <c>Sandbox:Docker</c>: one <see cref="DockerSandboxBackend"/> per entry of
/// <c>Engines</c> under one <see cref="DockerFleetBackend"/>, or, with no list, the one engine of <c>Endpoint</c> (or
/// <c>DOCKER_HOST</c>), registered as itself too, as a fleet of one.
/// </summary>
internal static class DockerFleetFactory
{
    public static DockerFleetBackend Create(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<SandboxOptions>>().Value;
        var docker = options.Docker;
        var time = services.GetRequiredService<TimeProvider>();
        var loggers = services.GetRequiredService<ILoggerFactory>();
        var telemetry = new FleetTelemetry(services.GetService<IMeterFactory>());
        var images = services.GetRequiredService<DockerImageResolver>();
        var engines = new List<FleetEngine>();
        if (docker.Engines.Count == 0)
        {
            var lone = services.GetRequiredService<DockerSandboxBackend>();
            var concurrency = options.MaxConcurrency > 0 ? options.MaxConcurrency : System.Environment.ProcessorCount;
            engines.Add(new FleetEngine(lone.Endpoint, concurrency, lone, lone.ProbeEngineAsync, new EngineBreaker(docker.Breaker, time)));
        }
        else
        {
            foreach (var entry in docker.Engines)
            {
                var backend = new DockerSandboxBackend(docker.ForEngine(entry), images, time, loggers.CreateLogger<DockerSandboxBackend>());
                engines.Add(new FleetEngine(backend.Endpoint, entry.Capacity, backend, backend.ProbeEngineAsync, new EngineBreaker(docker.Breaker, time)));
            }
        }

        return new DockerFleetBackend(engines, lone: docker.Engines.Count == 0, docker.Breaker, time,
            loggers.CreateLogger<DockerFleetBackend>(), telemetry);
    }

    /// <summary>Fills what a fleet implies: with <c>Sandbox:MaxConcurrency</c> 0, as many executions at once as the
    /// engines' capacities add up to; with no <c>Endpoint</c>, the first engine's (the language images are looked up there).</summary>
    public static void PostConfigure(SandboxOptions options)
    {
        var engines = options.Docker.Engines;
        if (engines.Count == 0)
        {
            return;
        }

        if (options.Backend == "docker" && options.MaxConcurrency == 0)
        {
            options.MaxConcurrency = Math.Min(256, engines.Sum(e => e.Capacity));
        }

        if (options.Docker.Endpoint is null)
        {
            options.Docker.Endpoint = engines[0].Endpoint;
            options.Docker.Tls ??= engines[0].Tls;
        }
    }

    /// <summary>Whether every engine entry, its TLS files and the breaker's settings are in range.</summary>
    public static bool IsValid(DockerSandboxOptions docker) =>
        Valid(docker.Breaker)
        && docker.Engines.All(e => Valid(e) && (e.Tls is null || Valid(e.Tls))
            && (e.Tls is null || e.Endpoint.StartsWith("tcp://", StringComparison.Ordinal)))
        && (docker.Tls is null || Valid(docker.Tls));

    private static bool Valid(object value) =>
        Validator.TryValidateObject(value, new ValidationContext(value), null, validateAllProperties: true);
}
