using EvoR.Sandbox.Backends;
using Microsoft.Extensions.Time.Testing;

namespace EvoR.Sandbox.Tests.Backends;

/// <summary>The supervision both backends share: wall clock, output-cap kill, and how a run's end maps to its facts.</summary>
public sealed class RunSupervisorTests
{
    [Theory]
    [InlineData(0, false, false, 0, null, false)]
    [InlineData(1, false, false, 1, null, false)]
    [InlineData(137, false, false, 137, 9, false)]
    [InlineData(200, false, false, 200, null, false)]
    [InlineData(0, true, false, null, null, false)]
    [InlineData(0, true, true, null, null, true)]
    public void Outcome_HowTheRunEnded_Facts(int status, bool killed, bool wallExpired, int? exitCode, int? signal, bool timedOut)
    {
        var time = new FakeTimeProvider();
        using var supervisor = new RunSupervisor(TimeSpan.FromSeconds(1), time, CancellationToken.None);
        if (wallExpired)
        {
            time.Advance(TimeSpan.FromSeconds(2));
        }

        var run = supervisor.Outcome(status, killed, false, false, [], [], TimeSpan.FromMilliseconds(12));

        Assert.Equal(exitCode, run.ExitCode);
        Assert.Equal(signal, run.Signal);
        Assert.Equal(timedOut, run.TimedOut);
        Assert.Equal(12, run.DurationMs);
    }

    [Fact]
    public void Overflowed_StopsTheRun_NotATimeoutEvenWhenTheWallRunsOutToo()
    {
        var time = new FakeTimeProvider();
        using var supervisor = new RunSupervisor(TimeSpan.FromSeconds(1), time, CancellationToken.None);

        supervisor.Overflowed();
        time.Advance(TimeSpan.FromSeconds(2));
        var run = supervisor.Outcome(null, true, true, false, [], [], TimeSpan.Zero);

        Assert.True(supervisor.Stop.IsCancellationRequested);
        Assert.False(run.TimedOut);
        Assert.True(run.OutputLimitExceeded && run.Truncated);
    }

    [Fact]
    public void RestartWall_CountsFromTheRestart()
    {
        var time = new FakeTimeProvider();
        using var supervisor = new RunSupervisor(TimeSpan.FromSeconds(10), time, CancellationToken.None);

        time.Advance(TimeSpan.FromSeconds(3));
        supervisor.RestartWall(TimeSpan.FromSeconds(1));
        time.Advance(TimeSpan.FromMilliseconds(500));

        Assert.Equal(TimeSpan.FromMilliseconds(500), supervisor.Elapsed);
        Assert.False(supervisor.Stop.IsCancellationRequested);
        time.Advance(TimeSpan.FromMilliseconds(600));
        Assert.True(supervisor.WallExpired);
    }

    [Fact]
    public async Task DrainAsync_ReadersStuck_ClosesTheStreamsAfterTheGrace()
    {
        var time = new FakeTimeProvider();
        using var supervisor = new RunSupervisor(TimeSpan.FromSeconds(1), time, CancellationToken.None);
        var stuck = new TaskCompletionSource();

        var drain = supervisor.DrainAsync(stuck.Task, () => stuck.TrySetResult());
        Assert.False(drain.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(3));
        await drain.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.True(stuck.Task.IsCompleted);
    }
}
