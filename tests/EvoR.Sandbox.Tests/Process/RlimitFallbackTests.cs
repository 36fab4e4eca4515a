using EvoR.Sandbox.Execution;
using EvoR.Sandbox.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace EvoR.Sandbox.Tests.Process;

/// <summary>Hosts without writable cgroups still get a memory verdict, from RLIMIT_AS and the language's own error.</summary>
public sealed class RlimitFallbackTests
{
    [Fact]
    public async Task MemoryHog_WithoutCgroups_IsMemoryLimitExceeded()
    {
        await using var services = SandboxFixture.Build(new Dictionary<string, string?> { ["Sandbox:Process:UseCgroups"] = "false" });
        if (await SandboxFixture.UnavailableReasonAsync(services) is { } reason)
        {
            Assert.Skip(reason);
        }

        var result = await services.GetRequiredService<CodeExecutor>().ExecuteAsync(new ExecutionRequest
        {
            Language = "python",
            Code = "chunks = []\nwhile True:\n    chunks.append(b'x' * (1 << 20))\n",
            Limits = new ExecutionLimitsOverride { MemoryMb = 128, TimeoutMs = 10_000 },
        }, TestContext.Current.CancellationToken);

        Assert.Equal(Verdict.MemoryLimitExceeded, result.Verdict);
        Assert.Contains("MemoryError", result.Stderr, StringComparison.Ordinal);
    }
}
