using Microsoft.Extensions.Logging;

namespace EvoR.Sandbox.Docker.Fleet;

/// <summary>
/// Where the fleet's runs go, and the bookkeeping that decides it: a run takes a slot on the engine in rotation with
/// the most free capacity (ties: the one picked longest ago), or on its scope's engine, and waits while every engine
/// in rotation is full; each finished run is counted on its engine's breaker, and an engine whose cool-down is over is
/// probed back in. All of the fleet's mutable state (every <see cref="FleetEngine"/>'s counts and breaker, the scope
/// table) is changed here under one lock, so that a pick always sees the counts and states as one.
/// </summary>
internal sealed class FleetRouter(
    FleetEngine[] engines, bool lone, EngineBreakerOptions breaker, TimeProvider time, ILogger logger, FleetTelemetry telemetry)
    : IDisposable
{
    private readonly FleetScopeTable _scopes = new();
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _disposing = new();
    private TaskCompletionSource _changed = NewSignal();
    private long _picks;

    /// <summary>Each engine's state now, read as one.</summary>
    public IReadOnlyList<EngineHealth> Health()
    {
        lock (_lock)
        {
            return [.. engines.Select(e => e.Health())];
        }
    }

    /// <summary>Takes a slot on the engine the run goes to; null when every engine is out of rotation.</summary>
    public async Task<FleetEngine?> AcquireAsync(string? scope, CancellationToken cancellationToken)
    {
        while (true)
        {
            FleetEngine? picked;
            List<FleetEngine>? probes = null;
            bool wait;
            Task changed;
            lock (_lock)
            {
                foreach (var e in engines)
                {
                    if (e.Breaker.TryStartProbe())
                    {
                        (probes ??= []).Add(e);
                        telemetry.Transition(e.Endpoint, EngineState.HalfOpen);
                    }
                }

                picked = Pick(scope);
                if (picked is not null)
                {
                    picked.InFlight++;
                    picked.LastPicked = ++_picks;
                    if (scope is not null)
                    {
                        _scopes.Bind(scope, picked, _picks);
                    }
                }

                // Full engines in rotation free a slot as runs end; engines being probed may come back.
                wait = picked is null && engines.Any(e => e.Breaker.InRotation || e.Breaker.State == EngineState.HalfOpen);
                changed = _changed.Task;
            }

            foreach (var e in probes ?? [])
            {
                _ = ProbeAsync(e);
            }

            if (picked is not null)
            {
                FleetLog.Routed(logger, picked.Endpoint, picked.InFlight, picked.Capacity);
                return picked;
            }

            if (!wait)
            {
                return null;
            }

            await changed.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Gives back the slot of a finished run. <paramref name="fault"/> is the engine's own fault, if it had
    /// one; a run that <paramref name="counts"/> not (its caller gave up) says nothing about the engine.</summary>
    public void Release(FleetEngine engine, string? fault, bool counts = true)
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
                    telemetry.Transition(engine.Endpoint, EngineState.Open);
                    FleetLog.Opened(logger, engine.Endpoint, breaker.OpenSeconds, engine.Breaker.ConsecutiveFailures, fault);
                }
            }

            Signal();
        }

        if (counts)
        {
            telemetry.Run(engine.Endpoint, fault is null);
        }
    }

    /// <summary>Forgets the scope's engine: a scope that ended is never bound again.</summary>
    public void EndScope(string scope)
    {
        lock (_lock)
        {
            _scopes.Remove(scope);
        }
    }

    /// <summary>Why each engine is out of rotation, for the set-up error of a run that none can take.</summary>
    public string AllOutReason()
    {
        lock (_lock)
        {
            return string.Join("; ", engines.Select(e =>
                $"{e.Endpoint} ({FleetEngine.Wire(e.Breaker.State)}{(e.Breaker.OpenUntil is { } until ? $" until {until:HH:mm:ss}Z" : "")}: {e.Breaker.LastFailure})"));
        }
    }

    /// <summary>Ends the probes in flight (they read as failed): the fleet is going away.</summary>
    public Task StopProbesAsync() => _disposing.CancelAsync();

    public void Dispose() => _disposing.Dispose();

    /// <summary>The engine a run goes to now, or null when none in rotation has a free slot. Called under the lock.</summary>
    private FleetEngine? Pick(string? scope)
    {
        if (lone)
        {
            return engines[0];
        }

        if (scope is not null && _scopes.TryGet(scope, out var bound) && bound.Breaker.InRotation)
        {
            // The scope's containers live on that engine: wait for it rather than move, as long as it is in rotation.
            return bound.Free > 0 ? bound : null;
        }

        FleetEngine? best = null;
        foreach (var e in engines)
        {
            if (e.Breaker.InRotation && e.Free > 0
                && (best is null || e.Free > best.Free || (e.Free == best.Free && e.LastPicked < best.LastPicked)))
            {
                best = e;
            }
        }

        return best;
    }

    private async Task ProbeAsync(FleetEngine engine)
    {
        string? failure;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_disposing.Token);
            timeout.CancelAfter(TimeSpan.FromSeconds(breaker.ProbeTimeoutSeconds));
            failure = await engine.Probe(timeout.Token).WaitAsync(TimeSpan.FromSeconds(breaker.ProbeTimeoutSeconds), time, timeout.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException)
        {
            failure = $"the engine did not answer its probe within {breaker.ProbeTimeoutSeconds} s";
        }
        catch (Exception e)
        {
            failure = e.Message;
        }

        lock (_lock)
        {
            engine.Breaker.ProbeEnded(failure);
            telemetry.Transition(engine.Endpoint, engine.Breaker.State);
            Signal();
        }

        if (failure is null)
        {
            FleetLog.Closed(logger, engine.Endpoint);
        }
        else
        {
            FleetLog.ProbeFailed(logger, engine.Endpoint, breaker.OpenSeconds, failure);
        }
    }

    /// <summary>Wakes every waiting run (a slot freed, or an engine's state changed). Called under the lock.</summary>
    private void Signal()
    {
        var changed = _changed;
        _changed = NewSignal();
        changed.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
