using EvoR.Sandbox.Backends;
using EvoR.Sandbox.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace EvoR.Sandbox.Tests.Docker;

/// <summary>Engine faults are SandboxError with a clear message and an unhealthy report, never a crash (no engine needed).</summary>
public sealed class DockerEngineFaultTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Execute_EngineSocketMissing_SandboxErrorSayingSo()
    {
        await using var services = SandboxFixture.Build(new Dictionary<string, string?>
        {
            ["Sandbox:Backend"] = "docker",
            ["Sandbox:Docker:Endpoint"] = "unix:///nonexistent/evor-test/docker.sock",
            ["Sandbox:Docker:EngineRetries"] = "1",
        });
        var executor = services.GetRequiredService<ICodeExecutor>();

        var result = await executor.ExecuteAsync(new ExecutionRequest { Language = "python", Code = "print(1)" }, Ct);

        Assert.Equal(Verdict.SandboxError, result.Verdict);
        Assert.Equal("docker", result.Backend);
        Assert.Contains("cannot reach the Docker engine at unix:///nonexistent/evor-test/docker.sock", result.Message, StringComparison.Ordinal);
        Assert.Equal(SandboxFault.Engine, result.Fault);
    }

    [Fact]
    public async Task Health_EngineSocketMissing_UnhealthyDockerReport()
    {
        await using var services = SandboxFixture.Build(new Dictionary<string, string?>
        {
            ["Sandbox:Backend"] = "docker",
            ["Sandbox:Docker:Endpoint"] = "unix:///nonexistent/evor-test/docker.sock",
            ["Sandbox:Docker:EngineRetries"] = "0",
        });

        var report = await services.GetRequiredService<ISandboxHealthProbe>().CheckAsync(Ct);

        Assert.False(report.Healthy);
        Assert.Equal("docker", report.Backend);
        Assert.Contains("cannot reach the Docker engine", report.Message, StringComparison.Ordinal);
        Assert.All(report.Languages, l => Assert.False(l.Available));
    }
}
