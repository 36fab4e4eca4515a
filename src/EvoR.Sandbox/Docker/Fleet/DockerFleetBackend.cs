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
/// </summary>
public sealed class DockerFleetBackend : ISandboxBackend, IEngineFleet, IAsyncDisposable
{
    private const int MaxScopes = 4096;

    private readonly FleetEngine[] _engines;
    private readonly bool _lone;
    private readonly EngineBreakerOptions _breaker;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly FleetTelemetry _telemetry;
    private readonly Func<SandboxRunSpec, string?> _scopeOf;
    private readonly Dictionary<string, (FleetEngine Engine, long LastUsed)> _scopes = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _disposing = new();
    private TaskCompletionSource _changed = NewSignal();
    private long _picks;
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
        _lone = lone;
        _breaker = breaker;
        _time = time;
        _logger = logger;
        _telemetry = telemetry;
        _scopeOf = scopeOf ?? FleetScope.Of;
        telemetry.Observe(this);
        FleetLog.Started(logger, _engines.Length, string.Join(", ", _engines.Select(e => $"{e.Endpoint} (capacity {e.Capacity})")));
    }

    public string Name => "docker";

    public bool CgroupLimits => _engines.Any(e => e.Backend.CgroupLimits);

    public IReadOnlyList<EngineHealth> Engines
    {
        get
        {
            lock (_lock)
            {
                return [.. _engines.Select(e => e.Health())];
            }
        }
    }

    /// <summary>The backends of the engines, in configuration order (tests and the benchmark use it).</summary>
    internal IReadOnlyList<ISandboxBackend> Backends => [.. _engines.Select(e => e.Backend)];

    public async Task<SandboxRun> RunAsync(SandboxRunSpec spec, CancellationToken cancellationToken)
    {
        var engine = await AcquireAsync(_scopeOf(spec), cancellationToken);
        if (engine is null)
        {
            var why = AllOutReason();
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
            Release(engine, fault: null, counts: false);
            throw;
        }
        catch (Exception e)
        {
            // A backend reports its faults in SetupError; one that throws instead is faulty all the same.
            var reason = $"the Docker engine at {engine.Endpoint} failed: {e.Message}";
            Release(engine, reason);
            return new SandboxRun { SetupError = reason };
        }

        // Only the engine's own faults count against it: a missing image would take every engine out for one language.
        Release(engine, run is { SetupError: { } error, Fault: SandboxFault.Engine } ? error : null);
        return run;
    }

    /// <summary>Ends the scope on every engine: its runs stay on one engine while that engine is in rotation, but an
    /// engine taken out meanwhile may still hold its containers. An engine that holds none for it does nothing.</summary>
    public async ValueTask EndScopeAsync(SandboxScope scope)
    {
        lock (_lock)
        {
            _scopes.Remove(scope.Id);
        }

        foreach (var engine in _engines)
        {
            await engine.Backend.EndScopeAsync(scope);
        }
    }

    /// <summary>Takes a slot on the engine the run goes to; null when every engine is out of rotation.</summary>
    private async Task<FleetEngine?> AcquireAsync(string? scope, CancellationToken cancellationToken)
    {
        while (true)
        {
            FleetEngine? picked;
            List<FleetEngine>? probes = null;
            bool wait;
            Task changed;
            lock (_lock)
            {
                foreach (var e in _engines)
                {
                    if (e.Breaker.TryStartProbe())
                    {
                        (probes ??= []).Add(e);
                        _telemetry.Transition(e.Endpoint, EngineState.HalfOpen);
                    }
                }

                picked = Pick(scope);
                if (picked is not null)
                {
                    picked.InFlight++;
                    picked.LastPicked = ++_picks;
                    if (scope is not null)
                    {
                        Bind(scope, picked);
                    }
                }

                // Full engines in rotation free a slot as runs end; engines being probed may come back.
                wait = picked is null && _engines.Any(e => e.Breaker.InRotation || e.Breaker.State == EngineState.HalfOpen);
                changed = _changed.Task;
            }

            foreach (var e in probes ?? [])
            {
                _ = ProbeAsync(e);
            }

            if (picked is not null)
            {
                FleetLog.Routed(_logger, picked.Endpoint, picked.InFlight, picked.Capacity);
                return picked;
            }

            if (!wait)
            {
                return null;
            }

            await changed.WaitAsync(cancellationToken);
        }
    }

    /// <summary>The engine a run goes to now, or null when none in rotation has a free slot. Called under the lock.</summary>
    private FleetEngine? Pick(string? scope)
    {
        if (_lone)
        {
            return _engines[0];
        }

        if (scope is not null && _scopes.TryGetValue(scope, out var bound) && bound.Engine.Breaker.InRotation)
        {
            // The scope's containers live on that engine: wait for it rather than move, as long as it is in rotation.
            return bound.Engine.Free > 0 ? bound.Engine : null;
        }

        FleetEngine? best = null;
        foreach (var e in _engines)
        {
            if (e.Breaker.InRotation && e.Free > 0
                && (best is null || e.Free > best.Free || (e.Free == best.Free && e.LastPicked < best.LastPicked)))
            {
                best = e;
            }
        }

        return best;
    }

    private void Bind(string scope, FleetEngine engine)
    {
        _scopes[scope] = (engine, _picks);
        if (_scopes.Count > MaxScopes)
        {
            // Forget the half of the scopes used longest ago; one that comes back is placed afresh.
            foreach (var old in _scopes.OrderBy(s => s.Value.LastUsed).Take(MaxScopes / 2).Select(s => s.Key).ToList())
            {
                _scopes.Remove(old);
            }
        }
    }

    private void Release(FleetEngine engine, string? fault, bool counts = true)
    {
        lock (_lock)
        {
            engine.InFlight--;
            if (!counts)
            {
                Signal();
                return;
            }

            engine.Runs++;
            if (fault is null)
            {
                engine.Breaker.Succeeded();
            }
            else
            {
                engine.Failures++;
                if (engine.Breaker.Failed(fault))
                {
                    _telemetry.Transition(engine.Endpoint, EngineState.Open);
                    FleetLog.Opened(_logger, engine.Endpoint, _breaker.OpenSeconds, engine.Breaker.ConsecutiveFailures, fault);
                }
            }

            Signal();
        }

        if (counts)
        {
            _telemetry.Run(engine.Endpoint, fault is null);
        }
    }

    private async Task ProbeAsync(FleetEngine engine)
    {
        string? failure;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_disposing.Token);
            timeout.CancelAfter(TimeSpan.FromSeconds(_breaker.ProbeTimeoutSeconds));
            failure = await engine.Probe(timeout.Token).WaitAsync(TimeSpan.FromSeconds(_breaker.ProbeTimeoutSeconds), _time, timeout.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException)
        {
            failure = $"the engine did not answer its probe within {_breaker.ProbeTimeoutSeconds} s";
        }
        catch (Exception e)
        {
            failure = e.Message;
        }

        lock (_lock)
        {
            engine.Breaker.ProbeEnded(failure);
            _telemetry.Transition(engine.Endpoint, engine.Breaker.State);
            Signal();
        }

        if (failure is null)
        {
            FleetLog.Closed(_logger, engine.Endpoint);
        }
        else
        {
            FleetLog.ProbeFailed(_logger, engine.Endpoint, _breaker.OpenSeconds, failure);
        }
    }

    /// <summary>Wakes every waiting run (a slot freed, or an engine's state changed). Called under the lock.</summary>
    private void Signal()
    {
        var changed = _changed;
        _changed = NewSignal();
        changed.TrySetResult();
    }

    private string AllOutReason()
    {
        lock (_lock)
        {
            return string.Join("; ", _engines.Select(e =>
                $"{e.Endpoint} ({FleetEngine.Wire(e.Breaker.State)}{(e.Breaker.OpenUntil is { } until ? $" until {until:HH:mm:ss}Z" : "")}: {e.Breaker.LastFailure})"));
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async ValueTask DisposeAsync()
    {
        // Registered as itself, as ISandboxBackend and as IEngineFleet: the container disposes it more than once.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _disposing.CancelAsync();
        foreach (var e in _engines)
        {
            if (e.Backend is IAsyncDisposable d)
            {
                await d.DisposeAsync();
            }
        }

        _disposing.Dispose();
    }
}
