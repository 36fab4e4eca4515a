using EvoR.Sandbox.Docker.Fleet;
using EvoR.Sandbox.Execution;
using EvoR.Sandbox.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace EvoR.Sandbox.Tests.Fleet;

/// <summary>
/// An engine reached over <c>tcp://</c> with TLS client certificates (<c>dockerd --tlsverify</c>): named by
/// <c>EVOR_TEST_DOCKER_TLS_ENDPOINT</c> (e.g. <c>tcp://127.0.0.1:23760</c>) and <c>EVOR_TEST_DOCKER_TLS_DIR</c> (a folder
/// with <c>ca.pem</c>, <c>cert.pem</c>, <c>key.pem</c>, as <c>docker --tlsverify</c> reads them). Skipped, saying why,
/// where they are not set.
/// </summary>
[Collection(DockerSandboxCollection.Name)]
public sealed class DockerTlsEngineTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static (string Endpoint, string Dir) Engine()
    {
        var endpoint = System.Environment.GetEnvironmentVariable("EVOR_TEST_DOCKER_TLS_ENDPOINT");
        var dir = System.Environment.GetEnvironmentVariable("EVOR_TEST_DOCKER_TLS_DIR");
        if (string.IsNullOrWhiteSpace(endpoint) || string.IsNullOrWhiteSpace(dir))
        {
            // CI (./evor.sh test) starts such an engine and sets EVOR_REQUIRE_DOCKER_FLEET=1: there, not having it fails.
            Assert.False(System.Environment.GetEnvironmentVariable("EVOR_REQUIRE_DOCKER_FLEET") == "1",
                "EVOR_REQUIRE_DOCKER_FLEET=1 but EVOR_TEST_DOCKER_TLS_ENDPOINT or EVOR_TEST_DOCKER_TLS_DIR is not set");
            Assert.Skip("EVOR_TEST_DOCKER_TLS_ENDPOINT and EVOR_TEST_DOCKER_TLS_DIR are not set (a dockerd --tlsverify on tcp:// and its client certificates)");
        }

        return (endpoint, dir);
    }

    private static ServiceProvider Fleet(string endpoint, string ca, string dir) => SandboxFixture.Build(new Dictionary<string, string?>
    {
        ["Sandbox:Backend"] = "docker",
        ["Sandbox:Docker:Engines:0:Endpoint"] = endpoint,
        ["Sandbox:Docker:Engines:0:Tls:CaPath"] = ca,
        ["Sandbox:Docker:Engines:0:Tls:CertPath"] = Path.Combine(dir, "cert.pem"),
        ["Sandbox:Docker:Engines:0:Tls:KeyPath"] = Path.Combine(dir, "key.pem"),
        ["Sandbox:Docker:EngineRetries"] = "0",
    });

    [Fact]
    public async Task Execute_OverTls_RunsAsOnASocket()
    {
        var (endpoint, dir) = Engine();
        await using var services = Fleet(endpoint, Path.Combine(dir, "ca.pem"), dir);

        var result = await services.GetRequiredService<CodeExecutor>().ExecuteAsync(
            new ExecutionRequest { Language = "python", Code = "import sys; print(input() * 2); sys.exit(3)", Stdin = "ab\n" }, Ct);

        Assert.Equal(Verdict.RuntimeError, result.Verdict);
        Assert.Equal(3, result.ExitCode);
        Assert.Equal("abab\n", result.Stdout);
        Assert.Equal("closed", services.GetRequiredService<DockerFleetBackend>().Engines[0].State);
    }

    [Fact]
    public async Task Execute_ServerNotSignedByTheGivenCa_AnEngineFaultNotARun()
    {
        var (endpoint, dir) = Engine();
        // The client certificate is no CA: the server's certificate does not chain to it.
        await using var services = Fleet(endpoint, Path.Combine(dir, "cert.pem"), dir);

        var result = await services.GetRequiredService<CodeExecutor>().ExecuteAsync(
            new ExecutionRequest { Language = "python", Code = "print(1)" }, Ct);

        Assert.Equal(Verdict.SandboxError, result.Verdict);
        Assert.Contains(endpoint, result.Message, StringComparison.Ordinal);
        Assert.Equal(1, services.GetRequiredService<DockerFleetBackend>().Engines[0].ConsecutiveFailures);
    }
}
