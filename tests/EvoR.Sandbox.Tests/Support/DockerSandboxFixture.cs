using EvoR.Sandbox.Backends;
using EvoR.Sandbox.Docker;
using Microsoft.Extensions.DependencyInjection;

namespace EvoR.Sandbox.Tests.Support;

/// <summary>
/// The same production defaults on the Docker backend. Where no engine answers (or an image is missing) the tests skip
/// with the reason; with <c>EVOR_REQUIRE_DOCKER=1</c> (CI sets it after starting dockerd and building the images) they
/// fail instead, so a broken engine cannot pass as a skip.
/// </summary>
public sealed class DockerSandboxFixture : SandboxFixture
{
    public override string Backend => "docker";

    public DockerSandboxBackend DockerBackend => Services.GetRequiredService<DockerSandboxBackend>();

    protected override Task<string?> FindSkipReasonAsync(IServiceProvider services) => DockerUnavailableReasonAsync(services);

    /// <summary>Why the Docker sandbox of these services cannot run a Python program here, or null when it can.</summary>
    public static async Task<string?> DockerUnavailableReasonAsync(IServiceProvider services)
    {
        var run = await services.GetRequiredService<ISandboxBackend>().RunAsync(new SandboxRunSpec
        {
            Command = ["python3", "--version"],
            Limits = new ExecutionLimits(),
        }, CancellationToken.None);
        var reason = run.SetupError ?? (run.ExitCode == 0 ? null : $"python3 --version exited {run.ExitCode} in the sandbox image");
        if (reason is null)
        {
            return null;
        }

        return Environment.GetEnvironmentVariable("EVOR_REQUIRE_DOCKER") == "1"
            ? throw new InvalidOperationException($"EVOR_REQUIRE_DOCKER=1 but the Docker sandbox cannot run: {reason}")
            : $"Docker sandbox unavailable on this machine: {reason}";
    }
}

[CollectionDefinition(Name)]
public sealed class DockerSandboxCollection : ICollectionFixture<DockerSandboxFixture>
{
    public const string Name = "sandbox-docker";
}
