using EvoR.Sandbox.Backends;
using Microsoft.Extensions.Logging;

namespace EvoR.Sandbox.Docker.Fleet;

/// <summary>
/// The Docker backend over a fleet of engines (<c>Sandbox:Docker:Engines</c>), each run by a backend of its own. A run
/// goes to the engine in rotation with the most free capacity (ties: the one picked longest ago); when every engine in
/// rotation is full it waits for a slot (its caller's cancellation ends the wait). Runs of one scope go to the same
/// engine while it stays in rotation (<see cref="FleetScope"/>). An engine whose runs fail for the engine's own reasons
/// (<see cref="SandboxFault.Engine"/>) <see cref="EngineBreakerOptions.FailuresToOpen"/> times in a row is taken out of
/// rotation, and its version call probes it back in after the cool-down. When every engine is out the run gets, at
/// once, a set-up error that names each engine and why it is out (a <c>sandboxError</c> verdict): never a hang. A run is
/// never retried on another engine: the program may have started. A fleet of one (no <c>Engines</c> list) is the one
/// engine as before: the breaker only tracks it for <c>/health</c>, every run still goes to it, and nothing waits.
/// This class is the backend's face (a run in, its result and the engine's verdict on it out); where runs go and how
/// engines leave and rejoin rotation is <see cref="FleetRouter"/>'s.
/// </summary>
public sealed class DockerFleetBackend : ISandboxBackend, IEngineFleet, IAsyncDisposable
{
    private readonly FleetEngine[] _engines;
    private readonly FleetRouter _router;
    private readonly ILogger _logger;
    private readonly Func<SandboxRunSpec, string?> _scopeOf;
    private int _disposed;

    internal DockerFleetBackend(
        IReadOnlyList<FleetEngine> engines, bool lone, EngineBreakerOptions breaker, TimeProvider time, ILogger logger,
        FleetTelemetry telemetry, Func<SandboxRunSpec, string?>? scopeOf = null)
    {
        if (engines.Count == 0)
        {
            throw new ArgumentException("A fleet needs at least one engine.", nameof(engines));
        }

        _engines = [.. engines];
        _router = new FleetRouter(_engines, lone, breaker, time, logger, telemetry);
        _logger = logger;
        _scopeOf = scopeOf ?? FleetScope.Of;
        telemetry.Observe(this);
        FleetLog.Started(logger, _engines.Length, string.Join(", ", _engines.Select(e => $"{e.Endpoint} (capacity {e.Capacity})")));
    }

    public string Name => "docker";

    public bool CgroupLimits => _engines.Any(e => e.Backend.CgroupLimits);

    public IReadOnlyList<EngineHealth> Engines => _router.Health();

    /// <summary>The backends of the engines, in configuration order (tests and the benchmark use it).</summary>
    internal IReadOnlyList<ISandboxBackend> Backends => [.. _engines.Select(e => e.Backend)];

    public async Task<SandboxRun> RunAsync(SandboxRunSpec spec, CancellationToken cancellationToken)
    {
        var engine = await _router.AcquireAsync(_scopeOf(spec), cancellationToken);
        if (engine is null)
        {
            var why = _router.AllOutReason();
            FleetLog.AllOut(_logger, why);
            return new SandboxRun { SetupError = "every Docker engine of the fleet is out of rotation: " + why };
        }

        SandboxRun run;
        try
        {
            run = await engine.Backend.RunAsync(spec, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The caller gave up: that says nothing about the engine either way.
            _router.Release(engine, fault: null, counts: false);
            throw;
        }
        catch (Exception e)
        {
            // A backend reports its faults in SetupError; one that throws instead is faulty all the same.
            var reason = $"the Docker engine at {engine.Endpoint} failed: {e.Message}";
            _router.Release(engine, reason);
            return new SandboxRun { SetupError = reason };
        }

        // Only the engine's own faults count against it: a missing image would take every engine out for one language.
        _router.Release(engine, run is { SetupError: { } error, Fault: SandboxFault.Engine } ? error : null);
        return run;
    }

    /// <summary>Ends the scope on every engine: its runs stay on one engine while that engine is in rotation, but an
    /// engine taken out meanwhile may still hold its containers. An engine that holds none for it does nothing.</summary>
    public async ValueTask EndScopeAsync(SandboxScope scope)
    {
        _router.EndScope(scope.Id);
        foreach (var engine in _engines)
        {
            await engine.Backend.EndScopeAsync(scope);
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Registered as itself, as ISandboxBackend and as IEngineFleet: the container disposes it more than once.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _router.StopProbesAsync();
        foreach (var e in _engines)
        {
            if (e.Backend is IAsyncDisposable d)
            {
                await d.DisposeAsync();
            }
        }

        _router.Dispose();
    }
}
