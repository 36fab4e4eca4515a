using EvoR.Sandbox.Backends;
using EvoR.Sandbox.Docker.Fleet;
using EvoR.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace EvoR.Sandbox.Tests.Fleet;

/// <summary>Routing, the breaker and the all-engines-out result of the fleet, over fake engines and a fake clock.</summary>
public sealed class DockerFleetBackendTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly SandboxRunSpec Spec = new() { Command = ["python3", "/app/main.py"], Limits = new ExecutionLimits() };

    private static readonly EngineBreakerOptions Breaker = new() { FailuresToOpen = 3, OpenSeconds = 30, ProbeTimeoutSeconds = 5 };

    private static DockerFleetBackend Fleet(TimeProvider time, Func<SandboxRunSpec, string?>? scopeOf = null, params (FakeEngineBackend Backend, int Capacity)[] engines) =>
        new([.. engines.Select(e => new FleetEngine("unix:///" + e.Backend.Name, e.Capacity, e.Backend, e.Backend.ProbeAsync, new EngineBreaker(Breaker, time)))],
            lone: false, Breaker, time, NullLogger.Instance, new FleetTelemetry(), scopeOf);

    [Fact]
    public async Task RunAsync_RunsHeld_GoToTheEngineWithTheMostFreeCapacity()
    {
        var (a, b) = (new FakeEngineBackend("a") { Hold = true }, new FakeEngineBackend("b") { Hold = true });
        await using var fleet = Fleet(TimeProvider.System, null, (a, 3), (b, 1));

        var runs = Enumerable.Range(0, 4).Select(_ => fleet.RunAsync(Spec, Ct)).ToList();
        await Eventually.HoldsAsync(() => a.Started + b.Started == 4, "a.Started + b.Started == 4", TimeSpan.FromSeconds(5), Ct);

        // Free capacity a 3, b 1: a, then a tie (2 vs 1 → a; then 1 vs 1 → the one picked longest ago, b), then a.
        Assert.Equal(3, a.Started);
        Assert.Equal(1, b.Started);
        Assert.Equal([3, 1], fleet.Engines.Select(e => e.InFlight));
        a.ReleaseAll();
        b.ReleaseAll();
        Assert.All(await Task.WhenAll(runs), r => Assert.Equal(0, r.ExitCode));
        Assert.All(fleet.Engines, e => Assert.Equal(0, e.InFlight));
    }

    [Fact]
    public async Task RunAsync_EqualEngines_Alternate()
    {
        var (a, b) = (new FakeEngineBackend("a"), new FakeEngineBackend("b"));
        await using var fleet = Fleet(TimeProvider.System, null, (a, 2), (b, 2));

        for (var i = 0; i < 10; i++)
        {
            await fleet.RunAsync(Spec, Ct);
        }

        Assert.Equal(5, a.Started);
        Assert.Equal(5, b.Started);
    }

    [Fact]
    public async Task RunAsync_EveryEngineFull_WaitsForAFreeSlot()
    {
        var a = new FakeEngineBackend("a") { Hold = true };
        await using var fleet = Fleet(TimeProvider.System, null, (a, 1));

        var first = fleet.RunAsync(Spec, Ct);
        var second = fleet.RunAsync(Spec, Ct);
        await Eventually.HoldsAsync(() => a.Started == 1, "a.Started == 1", TimeSpan.FromSeconds(5), Ct);
        Assert.False(second.IsCompleted);

        a.Hold = false;
        a.ReleaseAll();
        await first;
        Assert.Equal(0, (await second).ExitCode);
        Assert.Equal(2, a.Started);
    }

    [Fact]
    public async Task RunAsync_EngineFaultsInARow_TakeItOutOfRotation()
    {
        var time = new FakeTimeProvider();
        var (a, b) = (new FakeEngineBackend("a") { Outcome = () => new SandboxRun { SetupError = "cannot reach the Docker engine" } }, new FakeEngineBackend("b"));
        await using var fleet = Fleet(time, null, (a, 1), (b, 1));

        for (var i = 0; i < 10; i++)
        {
            await fleet.RunAsync(Spec, Ct);
        }

        // a failed three times (alternating with b), then only b runs.
        Assert.Equal(3, a.Started);
        Assert.Equal(7, b.Started);
        var health = fleet.Engines[0];
        Assert.Equal("open", health.State);
        Assert.Equal(3, health.Failures);
        Assert.Equal("cannot reach the Docker engine", health.LastFailure);
        Assert.Equal(time.GetUtcNow().AddSeconds(30), health.OpenUntil);
        Assert.Equal("closed", fleet.Engines[1].State);
    }

    [Fact]
    public async Task RunAsync_ProgramFailuresAndMissingImages_NeverOpenTheBreaker()
    {
        var outcomes = new Queue<SandboxRun>([
            new SandboxRun { ExitCode = 1 },
            new SandboxRun { TimedOut = true },
            new SandboxRun { OomKilled = true, ExitCode = 137 },
            new SandboxRun { SetupError = "Docker image 'evor/sandbox-x:bookworm' is missing: build it with docker/build-images.sh", Fault = SandboxFault.Installation },
            new SandboxRun { SetupError = "language 'x' has no Docker image: set Sandbox:Docker:Images:x", Fault = SandboxFault.Installation },
        ]);
        var a = new FakeEngineBackend("a") { Outcome = outcomes.Dequeue };
        await using var fleet = Fleet(new FakeTimeProvider(), null, (a, 1));

        for (var i = 0; i < 5; i++)
        {
            await fleet.RunAsync(Spec, Ct);
        }

        Assert.Equal("closed", fleet.Engines[0].State);
        Assert.Equal(0, fleet.Engines[0].ConsecutiveFailures);
    }

    [Fact]
    public async Task RunAsync_SuccessBetweenFaults_ResetsTheCount()
    {
        var fail = true;
        var a = new FakeEngineBackend("a") { Outcome = () => (fail = !fail) ? new SandboxRun { SetupError = "engine" } : new SandboxRun { ExitCode = 0 } };
        await using var fleet = Fleet(new FakeTimeProvider(), null, (a, 1));

        for (var i = 0; i < 10; i++)
        {
            await fleet.RunAsync(Spec, Ct);
        }

        Assert.Equal("closed", fleet.Engines[0].State);
        Assert.Equal(5, fleet.Engines[0].Failures);
    }

    [Fact]
    public async Task RunAsync_AfterTheCoolDown_AProbeLetsTheEngineBackIn()
    {
        var time = new FakeTimeProvider();
        var down = true;
        var (a, b) = (new FakeEngineBackend("a") { Outcome = () => down ? new SandboxRun { SetupError = "engine down" } : new SandboxRun { ExitCode = 0 } },
            new FakeEngineBackend("b"));
        await using var fleet = Fleet(time, null, (a, 1), (b, 1));
        for (var i = 0; i < 6; i++)
        {
            await fleet.RunAsync(Spec, Ct);
        }

        Assert.Equal("open", fleet.Engines[0].State);

        // Before the cool-down ends nothing probes it.
        time.Advance(TimeSpan.FromSeconds(29));
        await fleet.RunAsync(Spec, Ct);
        Assert.Equal(0, a.Probes);

        // A failed probe keeps it out for another cool-down.
        time.Advance(TimeSpan.FromSeconds(1));
        await fleet.RunAsync(Spec, Ct);
        await Eventually.HoldsAsync(() => fleet.Engines[0].State == "open" && a.Probes == 1, "fleet.Engines[0].State == 'open' && a.Probes == 1", TimeSpan.FromSeconds(5), Ct);
        Assert.Equal(3, a.Started);
        Assert.Equal(time.GetUtcNow().AddSeconds(30), fleet.Engines[0].OpenUntil);

        // The engine comes back: the next probe after the cool-down closes the breaker, and runs reach it again.
        down = false;
        a.ProbeFailure = null;
        time.Advance(TimeSpan.FromSeconds(30));
        await fleet.RunAsync(Spec, Ct);
        await Eventually.HoldsAsync(() => fleet.Engines[0].State == "closed", "fleet.Engines[0].State == 'closed'", TimeSpan.FromSeconds(5), Ct);
        Assert.Equal(2, a.Probes);
        for (var i = 0; i < 4; i++)
        {
            await fleet.RunAsync(Spec, Ct);
        }

        Assert.True(a.Started >= 5, $"a ran {a.Started} times");
        Assert.Equal(0, fleet.Engines[0].ConsecutiveFailures);
    }

    [Fact]
    public async Task RunAsync_EveryEngineOut_ASetupErrorAtOnceThatNamesEachEngine()
    {
        var time = new FakeTimeProvider();
        var (a, b) = (new FakeEngineBackend("a") { Outcome = () => new SandboxRun { SetupError = "a is down" } },
            new FakeEngineBackend("b") { Outcome = () => new SandboxRun { SetupError = "b is down" } });
        await using var fleet = Fleet(time, null, (a, 1), (b, 1));
        for (var i = 0; i < 6; i++)
        {
            await fleet.RunAsync(Spec, Ct);
        }

        var run = await fleet.RunAsync(Spec, Ct).WaitAsync(TimeSpan.FromSeconds(10), Ct);

        Assert.StartsWith("every Docker engine of the fleet is out of rotation: ", run.SetupError);
        Assert.Contains("unix:///a (open until", run.SetupError);
        Assert.Contains("a is down", run.SetupError);
        Assert.Contains("b is down", run.SetupError);
        Assert.Equal(6, a.Started + b.Started);

        // After the cool-down, with both probes failing, the run still ends at once (once the probes answered).
        time.Advance(TimeSpan.FromSeconds(30));
        run = await fleet.RunAsync(Spec, Ct).WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.StartsWith("every Docker engine", run.SetupError);
        Assert.Equal(1, a.Probes);
        Assert.Equal(1, b.Probes);
    }

    [Fact]
    public async Task RunAsync_ABackendThatThrows_CountsAsAnEngineFault()
    {
        var a = new FakeEngineBackend("a") { Outcome = () => throw new InvalidOperationException("boom") };
        await using var fleet = Fleet(new FakeTimeProvider(), null, (a, 1));

        var run = await fleet.RunAsync(Spec, Ct);

        Assert.Equal("the Docker engine at unix:///a failed: boom", run.SetupError);
        Assert.Equal(1, fleet.Engines[0].ConsecutiveFailures);
        Assert.Equal(0, fleet.Engines[0].InFlight);
    }

    [Fact]
    public async Task RunAsync_CallerCancels_SlotFreedAndTheEngineNotJudged()
    {
        var a = new FakeEngineBackend("a") { Outcome = () => new SandboxRun { SetupError = "engine" } };
        await using var fleet = Fleet(new FakeTimeProvider(), null, (a, 1));
        await fleet.RunAsync(Spec, Ct);
        await fleet.RunAsync(Spec, Ct);
        a.Hold = true;
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);

        var run = fleet.RunAsync(Spec, cancel.Token);
        await Eventually.HoldsAsync(() => a.Started == 3, "a.Started == 3", TimeSpan.FromSeconds(5), Ct);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Assert.Equal(0, fleet.Engines[0].InFlight);
        Assert.Equal(2, fleet.Engines[0].ConsecutiveFailures);
        Assert.Equal(2, fleet.Engines[0].Runs);
        Assert.Equal("closed", fleet.Engines[0].State);
    }

    [Fact]
    public async Task RunAsync_OneScope_StaysOnOneEngine_EndingItReachesEveryEngine()
    {
        var (a, b) = (new FakeEngineBackend("a"), new FakeEngineBackend("b"));
        await using var fleet = Fleet(TimeProvider.System, null, (a, 2), (b, 2));
        var scope = new SandboxScope();
        var scoped = Spec with { Scope = scope };

        for (var i = 0; i < 6; i++)
        {
            await fleet.RunAsync(scoped, Ct);
        }

        await fleet.EndScopeAsync(scope);

        Assert.Equal(6, Math.Max(a.Started, b.Started));
        Assert.Equal(0, Math.Min(a.Started, b.Started));
        // The engine that ran them, and any taken out meanwhile, drop what they keep for it.
        Assert.Equal([scope], a.EndedScopes);
        Assert.Equal([scope], b.EndedScopes);
    }

    [Fact]
    public async Task RunAsync_LoneEngine_TakesEveryRunEvenWhenOpen()
    {
        var a = new FakeEngineBackend("a") { Outcome = () => new SandboxRun { SetupError = "cannot reach the Docker engine" } };
        var time = new FakeTimeProvider();
        await using var fleet = new DockerFleetBackend(
            [new FleetEngine("unix:///a", 1, a, a.ProbeAsync, new EngineBreaker(Breaker, time))], lone: true, Breaker, time,
            NullLogger.Instance, new FleetTelemetry());

        for (var i = 0; i < 5; i++)
        {
            // The engine's own sentence, as without a fleet: with one engine there is nowhere else to go.
            Assert.Equal("cannot reach the Docker engine", (await fleet.RunAsync(Spec, Ct)).SetupError);
        }

        Assert.Equal(5, a.Started);
        Assert.Equal("open", fleet.Engines[0].State);
    }
}
