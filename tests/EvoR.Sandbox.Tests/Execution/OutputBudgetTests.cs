using EvoR.Sandbox.Execution;
using EvoR.Sandbox.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace EvoR.Sandbox.Tests.Execution;

/// <summary>The service-wide output budget (<c>Sandbox:MaxTotalOutputBytes</c>): bookings, and concurrent floods
/// through the real process sandbox.</summary>
public sealed class OutputBudgetTests
{
    private const int KiB = 1024;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void Take_BeyondWhatIsLeft_GrantsOnlyTheRest_DisposeGivesAllBack()
    {
        var budget = new OutputBudget(1000);
        var first = budget.Open();
        var firstRun = first.ForRun();
        Assert.Equal(600, firstRun.Take(600));
        Assert.False(firstRun.Short);

        using (var second = budget.Open())
        {
            var run = second.ForRun();
            Assert.Equal(300, run.Take(300));
            Assert.False(run.Short);
            Assert.Equal(100, run.Take(500));
            Assert.True(run.Short);
            Assert.Equal(0, run.Take(1));
            Assert.Equal(1000, budget.Held);
        }

        Assert.Equal(600, budget.Held);
        first.Dispose();
        Assert.Equal(0, budget.Held);
        Assert.Equal(1000, budget.PeakHeld);
    }

    [Fact]
    public async Task FloodsBeyondTheBudget_Truncated_PrintersWithinItFullyServed()
    {
        // Two printers hold 2 x 400 KiB of a 2 MiB budget; four floods (1 MiB cap each) then share the 1.2 MiB left.
        const long capacity = 2 * 1024 * KiB;
        const int printed = 400 * KiB;
        await using var services = Build(budget: capacity, concurrency: 6);
        if (await SandboxFixture.UnavailableReasonAsync(services) is { } reason)
        {
            Assert.Skip(reason);
        }

        var executor = services.GetRequiredService<CodeExecutor>();
        var limits = new ExecutionLimitsOverride { OutputBytes = 1024 * KiB, TimeoutMs = 30_000 };
        var printers = Enumerable.Range(0, 2).Select(_ => executor.ExecuteAsync(new ExecutionRequest
        {
            Language = "python",
            Code = $"import sys, time\nsys.stdout.write('y' * {printed})\nsys.stdout.flush()\ntime.sleep(6)\n",
            Limits = limits,
        }, Ct)).ToList();
        for (var i = 0; i < 300 && executor.OutputBudget.Held < 2 * printed; i++)
        {
            await Task.Delay(50, Ct);
        }

        Assert.Equal(2 * printed, executor.OutputBudget.Held);
        var floods = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => executor.ExecuteAsync(new ExecutionRequest
        {
            Language = "python",
            Code = "import sys\nwhile True:\n    sys.stdout.write('z' * 65536)\n",
            Limits = limits,
        }, Ct)));
        var served = await Task.WhenAll(printers);

        Assert.All(served, r => Assert.Equal((Verdict.Passed, printed, false), (r.Verdict, r.Stdout.Length, r.Truncated)));
        Assert.All(floods, r => Assert.Equal((Verdict.OutputLimitExceeded, true), (r.Verdict, r.Truncated)));
        // 4 MiB of caps in 1.2 MiB: at least two floods were cut by the budget, and said so.
        Assert.True(floods.Count(r => r.Message!.Contains("Sandbox:MaxTotalOutputBytes", StringComparison.Ordinal)) >= 2,
            string.Join(" | ", floods.Select(r => r.Message)));
        // Executions give their bytes back as they return, so only what is held at once is bounded: the budget's peak.
        Assert.True(executor.OutputBudget.PeakHeld <= capacity, $"held {executor.OutputBudget.PeakHeld} bytes at once");
        Assert.Equal(0, executor.OutputBudget.Held);

        // Nothing is held once they returned: a printer is served in full again.
        var again = await executor.ExecuteAsync(new ExecutionRequest
        {
            Language = "python",
            Code = $"import sys\nsys.stdout.write('y' * {printed})\n",
            Limits = limits,
        }, Ct);
        Assert.Equal((Verdict.Passed, printed), (again.Verdict, again.Stdout.Length));
    }

    [Fact]
    public async Task ConcurrentFloods_TotalHeldNeverExceedsTheBudget()
    {
        // Eight endless floods that each may keep 1 MiB per stream, under a 4 MiB budget: without the budget 8 MiB.
        const long capacity = 4 * 1024 * KiB;
        await using var services = Build(budget: capacity, concurrency: 8);
        if (await SandboxFixture.UnavailableReasonAsync(services) is { } reason)
        {
            Assert.Skip(reason);
        }

        var executor = services.GetRequiredService<CodeExecutor>();
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => executor.ExecuteAsync(new ExecutionRequest
        {
            Language = "python",
            Code = "import sys\nwhile True:\n    sys.stdout.write('z' * 65536)\n    sys.stderr.write('e' * 65536)\n",
            Limits = new() { OutputBytes = 1024 * KiB, TimeoutMs = 20_000 },
        }, Ct)));

        Assert.All(results, r => Assert.Equal(Verdict.OutputLimitExceeded, r.Verdict));
        // Held at once (executions give theirs back as they return): never past the budget, and the floods did reach it.
        Assert.InRange(executor.OutputBudget.PeakHeld, capacity - (64 * KiB), capacity);
        // The budget did bound them: 16 MiB of caps in 4 MiB.
        Assert.Contains(results, r => r.Message!.Contains("MaxTotalOutputBytes", StringComparison.Ordinal));
        Assert.Equal(0, executor.OutputBudget.Held);
    }

    private static ServiceProvider Build(long budget, int concurrency) => SandboxFixture.Build(new Dictionary<string, string?>
    {
        ["Sandbox:MaxTotalOutputBytes"] = budget.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Sandbox:MaxConcurrency"] = concurrency.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Sandbox:Process:WarmSandboxes"] = "0",
    });
}
