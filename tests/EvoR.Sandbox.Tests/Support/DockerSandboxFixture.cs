using EvoR.Sandbox.Backends;
using EvoR.Sandbox.Docker;
using EvoR.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace EvoR.Sandbox.Tests.Support;

/// <summary>
/// The same production defaults on the Docker backend. Where no engine answers (or an image is missing) the tests skip
/// with the reason; with <c>EVOR_REQUIRE_DOCKER=1</c> (CI sets it after starting dockerd and building the images) they
/// fail instead, so a broken engine cannot pass as a skip.
/// </summary>
public class DockerSandboxFixture : SandboxFixture
{
    public override string Backend => "docker";

    /// <summary>The kill goes through the engine (SIGKILL, then dockerd and containerd see the exit): 4 s.</summary>
    public override TimeSpan Grace => TimeSpan.FromSeconds(4);

    public DockerSandboxBackend DockerBackend => Services.GetRequiredService<DockerSandboxBackend>();

    protected override Task<string?> FindSkipReasonAsync(IServiceProvider services) =>
        DockerSandboxProbe.UnavailableReasonAsync(services.GetRequiredService<ISandboxBackend>());
}

/// <remarks>Not run in parallel with other collections: the engine's start and kill times are what the timing asserts
/// measure, and on a 2-core machine they suffer most from neighbours.</remarks>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DockerSandboxCollection : ICollectionFixture<DockerSandboxFixture>
{
    public const string Name = "sandbox-docker";
}

/// <summary>
/// The Docker backend with every run in one trust scope (<see cref="SandboxScope"/>): each run reuses the container the
/// previous run of its profile left, once its gate verified it clean. The suites run on it as on fresh containers, so a
/// hostile program's container serves the next program: their verdicts and the benign runs after them must not change.
/// </summary>
public sealed class ScopedDockerSandboxFixture : DockerSandboxFixture
{
    public SandboxScope Scope { get; } = new();

    protected override void ConfigureServices(IServiceCollection services) =>
        services.AddSingleton<ISandboxBackend>(sp => new OneScopeBackend(sp.GetRequiredService<DockerSandboxBackend>(), Scope));
}

/// <remarks>Not run in parallel with other collections, as <see cref="DockerSandboxCollection"/>.</remarks>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ScopedDockerSandboxCollection : ICollectionFixture<ScopedDockerSandboxFixture>
{
    public const string Name = "sandbox-docker-scoped";
}

/// <summary>A backend whose every run belongs to one scope.</summary>
internal sealed class OneScopeBackend(ISandboxBackend inner, SandboxScope scope) : ISandboxBackend
{
    public string Name => inner.Name;

    public bool CgroupLimits => inner.CgroupLimits;

    public Task<SandboxRun> RunAsync(SandboxRunSpec spec, CancellationToken cancellationToken) =>
        inner.RunAsync(spec with { Scope = scope }, cancellationToken);

    public ValueTask EndScopeAsync(SandboxScope ended) => inner.EndScopeAsync(ended);
}

/// <summary>
/// The Docker backend with gVisor (<c>Sandbox:Docker:Runtime=runsc</c>). Skipped, with the reason, where the engine has
/// no <c>runsc</c> runtime registered (./evor.sh registers it when the Debian package <c>runsc</c> is installed).
/// </summary>
public sealed class GvisorSandboxFixture : DockerSandboxFixture
{
    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings => [new("Sandbox:Docker:Runtime", "runsc")];

    /// <summary>A gVisor sandbox starts and stops its own user-space kernel: 6 s.</summary>
    public override TimeSpan Grace => TimeSpan.FromSeconds(6);

    /// <summary>What Debian bookworm's runsc (release 20221219) cannot do on this kernel, found by running the suites.</summary>
    public override string? KnownGap(string check) => check switch
    {
        "compile" => "gVisor (runsc 20221219) answers statx with EINVAL here, so gcc and nim fail inside it; python and lua run",
        "namespaces" => "runsc runs without --oci-seccomp (in runsc 20221219 it makes thread creation fail), so unshare and mount succeed inside gVisor's user-space kernel: namespaces of the sandbox kernel, not of the host",
        "orphan-exit" => "under gVisor a program that exits 0 while its orphaned child is killed with the container sometimes reports exit 137",
        "oom-flag" => "under gVisor the engine does not always report OOMKilled: a memory hog among parallel jobs can end as SIGKILL (RuntimeError)",
        _ => null,
    };

    protected override async Task<string?> FindSkipReasonAsync(IServiceProvider services)
    {
        try
        {
            using var client = new global::Docker.DotNet.DockerClientBuilder()
                .WithEndpoint(new Uri(Environment.GetEnvironmentVariable("DOCKER_HOST") is { Length: > 0 } h ? h : "unix:///var/run/docker.sock"))
                .WithTransportOptions(new global::Docker.DotNet.Unix.UnixSocketTransportOptions()).Build();
            var info = await client.System.GetSystemInfoAsync(CancellationToken.None);
            if (info.Runtimes is null || !info.Runtimes.ContainsKey("runsc"))
            {
                return "the Docker engine has no 'runsc' (gVisor) runtime registered";
            }
        }
        catch (Exception e) when (e is HttpRequestException or IOException or System.Net.Sockets.SocketException)
        {
            return $"no Docker engine answers: {e.Message}";
        }

        return await base.FindSkipReasonAsync(services);
    }
}

/// <remarks>Not run in parallel with other collections, as <see cref="DockerSandboxCollection"/>.</remarks>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GvisorSandboxCollection : ICollectionFixture<GvisorSandboxFixture>
{
    public const string Name = "sandbox-gvisor";
}