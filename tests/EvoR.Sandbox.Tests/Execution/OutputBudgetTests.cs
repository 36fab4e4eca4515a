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
        // Two printers hold 2 x 400 KiB of a 2 MiB budget; four floods (1 MiB cap each) first print 300 KiB each and
        // wait, so all four hold their share at once (1200 of the 1248 KiB left), then flood. A flood reaches its own
        // cap only once the other three have returned (each holds at least 300 KiB while alive), so at least three are
        // cut by the budget whatever order the scheduler runs them in. Without the wait, a flood could reach its cap and
        // return before the next one started, and none would ever meet the budget.
        const long capacity = 2 * 1024 * KiB;
        const int printed = 400 * KiB;
        const int floodHeadStart = 300 * KiB;
        await using var services = Build(budget: capacity, concurrency: 6);
        if (await SandboxFixture.UnavailableReasonAsync(services) is { } reason)
        {
            Assert.Skip(reason);
        }

        var executor = services.GetRequiredService<CodeExecutor>();
        var limits = new ExecutionLimitsOverride { OutputBytes = 1024 * KiB, TimeoutMs = 40_000 };
        var printers = Enumerable.Range(0, 2).Select(_ => executor.ExecuteAsync(new ExecutionRequest
        {
            Language = "python",
            Code = $"import sys, time\nsys.stdout.write('y' * {printed})\nsys.stdout.flush()\ntime.sleep(14)\n",
            Limits = limits,
        }, Ct)).ToList();
        await HeldReachesAsync(executor.OutputBudget, 2 * printed);

        var floods = Enumerable.Range(0, 4).Select(_ => executor.ExecuteAsync(new ExecutionRequest
        {
            Language = "python",
            Code = $"import sys, time\nsys.stdout.write('z' * {floodHeadStart})\nsys.stdout.flush()\ntime.sleep(6)\n"
                + "while True:\n    sys.stdout.write('z' * 65536)\n",
            Limits = limits,
        }, Ct)).ToList();
        await HeldReachesAsync(executor.OutputBudget, (2 * printed) + (4 * floodHeadStart));
        var flooded = await Task.WhenAll(floods);
        var served = await Task.WhenAll(printers);

        Assert.All(served, r => Assert.Equal((Verdict.Passed, printed, false), (r.Verdict, r.Stdout.Length, r.Truncated)));
        Assert.All(flooded, r => Assert.Equal((Verdict.OutputLimitExceeded, true), (r.Verdict, r.Truncated)));
        Assert.True(flooded.Count(r => r.Message!.Contains("Sandbox:MaxTotalOutputBytes", StringComparison.Ordinal)) >= 3,
            string.Join(" | ", flooded.Select(r => r.Message)));
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

    /// <summary>Waits (up to 15 s: sandboxes start slowly on a loaded machine) until the budget holds exactly
    /// <paramref name="bytes"/>, and fails if it never does.</summary>
    private static async Task HeldReachesAsync(OutputBudget budget, long bytes)
    {
        for (var i = 0; i < 300 && budget.Held < bytes; i++)
        {
            await Task.Delay(50, Ct);
        }

        Assert.Equal(bytes, budget.Held);
    }

    private static ServiceProvider Build(long budget, int concurrency) => SandboxFixture.Build(new Dictionary<string, string?>
    {
        ["Sandbox:MaxTotalOutputBytes"] = budget.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Sandbox:MaxConcurrency"] = concurrency.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Sandbox:Process:WarmSandboxes"] = "0",
    });
}
