using EvoR.Sandbox.Backends;
using EvoR.Sandbox.Docker.Fleet;
using EvoR.Sandbox.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace EvoR.Sandbox.Tests.Fleet;

/// <summary>
/// A fleet of two real Docker engines: the usual one (<c>DOCKER_HOST</c>, else the default socket) and a second one
/// named by <c>EVOR_TEST_DOCKER_SECOND</c> (e.g. <c>unix:///tmp/evor-docker2/docker.sock</c>, an engine started with
/// <c>EVOR_DOCKER_ROOT=/tmp/evor-docker2 DOCKER_HOST=unix:///tmp/evor-docker2/docker.sock ./evor.sh images python c</c>).
/// Where either does not run Python, the tests skip saying why; with <c>EVOR_REQUIRE_DOCKER_FLEET=1</c> they fail.
/// </summary>
internal sealed class DockerFleetEngines : IAsyncDisposable
{
    public const string SecondVariable = "EVOR_TEST_DOCKER_SECOND";

    private readonly ServiceProvider _services;

    private DockerFleetEngines(ServiceProvider services, string first, string second)
    {
        _services = services;
        Endpoints = [first, second];
    }

    public IReadOnlyList<string> Endpoints { get; }

    public IServiceProvider Services => _services;

    public DockerFleetBackend Fleet => _services.GetRequiredService<DockerFleetBackend>();

    public static string FirstEndpoint =>
        System.Environment.GetEnvironmentVariable("DOCKER_HOST") is { Length: > 0 } host ? host : "unix:///var/run/docker.sock";

    /// <summary>The two-engine fleet, or a skip (a failure under EVOR_REQUIRE_DOCKER_FLEET=1) saying why it cannot run.</summary>
    public static async Task<DockerFleetEngines> StartAsync(int capacity = 2, IDictionary<string, string?>? more = null)
    {
        var second = System.Environment.GetEnvironmentVariable(SecondVariable);
        if (string.IsNullOrWhiteSpace(second))
        {
            Unavailable($"{SecondVariable} is not set (the endpoint of a second Docker engine)");
        }

        var settings = new Dictionary<string, string?>
        {
            ["Sandbox:Backend"] = "docker",
            ["Sandbox:QueueLimit"] = "500",
            ["Sandbox:Docker:Engines:0:Endpoint"] = FirstEndpoint,
            ["Sandbox:Docker:Engines:0:Capacity"] = capacity.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Sandbox:Docker:Engines:1:Endpoint"] = second,
            ["Sandbox:Docker:Engines:1:Capacity"] = capacity.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (var (k, v) in more ?? new Dictionary<string, string?>())
        {
            settings[k] = v;
        }

        var services = SandboxFixture.Build(settings);
        var fleet = services.GetRequiredService<DockerFleetBackend>();
        foreach (var (backend, endpoint) in fleet.Backends.Zip([FirstEndpoint, second!]))
        {
            if (await PythonRunsAsync(backend) is { } reason)
            {
                await services.DisposeAsync();
                Unavailable($"the Docker engine at {endpoint} cannot run the sandbox: {reason}");
            }
        }

        return new DockerFleetEngines(services, FirstEndpoint, second!);
    }

    private static async Task<string?> PythonRunsAsync(ISandboxBackend backend)
    {
        var run = await backend.RunAsync(new SandboxRunSpec { Command = ["python3", "--version"], Limits = new ExecutionLimits() }, CancellationToken.None);
        return run.SetupError ?? (run.ExitCode == 0 ? null : $"python3 --version exited {run.ExitCode}");
    }

    private static void Unavailable(string reason)
    {
        if (System.Environment.GetEnvironmentVariable("EVOR_REQUIRE_DOCKER_FLEET") == "1")
        {
            Assert.Fail($"EVOR_REQUIRE_DOCKER_FLEET=1 but {reason}");
        }

        Assert.Skip(reason);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var backend in Fleet.Backends.OfType<EvoR.Sandbox.Docker.DockerSandboxBackend>())
        {
            await backend.WaitForCleanupAsync();
        }

        await _services.DisposeAsync();
    }
}
