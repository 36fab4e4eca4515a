using EvoR.Sandbox;
using EvoR.Sandbox.Backends;

namespace EvoR.Testing;

/// <summary>
/// Whether a Docker sandbox backend can run a Python program on this machine. Suites on the Docker backend skip with
/// the reason where it cannot; with <c>EVOR_REQUIRE_DOCKER=1</c> (CI sets it after starting dockerd and building the
/// images) they fail instead, so a broken engine cannot pass as a skip.
/// </summary>
public static class DockerSandboxProbe
{
    /// <summary>The skip reason, or null when <paramref name="backend"/> runs <c>python3 --version</c>.</summary>
    /// <exception cref="InvalidOperationException">It cannot, and <c>EVOR_REQUIRE_DOCKER=1</c>.</exception>
    public static async Task<string?> UnavailableReasonAsync(ISandboxBackend backend, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(backend);
        var run = await backend.RunAsync(new SandboxRunSpec
        {
            Command = ["python3", "--version"],
            Limits = new ExecutionLimits(),
        }, cancellationToken);
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
