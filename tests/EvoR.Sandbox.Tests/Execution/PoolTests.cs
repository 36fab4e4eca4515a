using EvoR.Sandbox.Execution;
using EvoR.Sandbox.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace EvoR.Sandbox.Tests.Execution;

public sealed class PoolTests
{
    [Fact]
    public async Task Execute_PoolAndQueueFull_RefusedAtOnce()
    {
        await using var services = SandboxFixture.Build(new Dictionary<string, string?>
        {
            ["Sandbox:MaxConcurrency"] = "1",
            ["Sandbox:QueueLimit"] = "1",
        });
        var executor = services.GetRequiredService<CodeExecutor>();
        if (await SandboxFixture.UnavailableReasonAsync(services) is { } reason)
        {
            Assert.Skip(reason);
        }

        var ct = TestContext.Current.CancellationToken;
        var slow = new ExecutionRequest { Language = "python", Code = "import time\ntime.sleep(1)\n" };
        var running = executor.ExecuteAsync(slow, ct);
        var queued = executor.ExecuteAsync(slow, ct);
        var refused = await Assert.ThrowsAsync<SandboxBusyException>(() => executor.ExecuteAsync(slow, ct));
        Assert.True(refused.RetryAfter > TimeSpan.Zero);
        Assert.Equal(Verdict.Passed, (await running).Verdict);
        Assert.Equal(Verdict.Passed, (await queued).Verdict);
    }
}
