using EvoR.Sandbox.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace EvoR.Sandbox.Tests.Process;

/// <summary>
/// bubblewrap's <c>--die-with-parent</c> (PR_SET_PDEATHSIG) fires when the thread that forked it exits, not the
/// process: a sandbox started from a thread that then ends (a thread-pool thread the pool retires) must live on.
/// </summary>
[Collection(SandboxCollection.Name)]
public sealed class SpawningThreadTests(SandboxFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Run_StartedFromAThreadThatEnds_IsNotKilledWithIt()
    {
        fixture.SkipIfUnavailable();
        // No warm sandboxes: the run's own sandbox is started on the calling thread, not by a refill in the background.
        await using var services = SandboxFixture.Build(new Dictionary<string, string?> { ["Sandbox:Process:WarmSandboxes"] = "0" });
        var executor = services.GetRequiredService<ICodeExecutor>();
        // The host set-up runs once, asynchronously; after it a run reaches its fork on the thread that asked for it.
        Assert.Equal(Verdict.Passed, (await executor.ExecuteAsync(new ExecutionRequest { Language = "python", Code = "print(1)" }, Ct)).Verdict);

        Task<ExecutionResult>? run = null;
        var thread = new Thread(() => run = executor.ExecuteAsync(
            new ExecutionRequest { Language = "python", Code = "import time\ntime.sleep(1.5)\nprint('still here')" }, Ct));
        thread.Start();
        thread.Join();
        var result = await run!;

        Assert.True(result.Verdict == Verdict.Passed, $"{result.Verdict} exit {result.ExitCode}: {result.Message}");
        Assert.Equal("still here\n", result.Stdout);
    }
}
