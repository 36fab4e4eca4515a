using EvoR.Sandbox.Backends;

namespace EvoR.Sandbox.Docker.Fleet;

/// <summary>
/// One engine of the fleet: the backend that runs on it (a <see cref="DockerSandboxBackend"/> of its own, so its own
/// pool and leftovers), its capacity, its breaker and its counts. Mutable state is changed only under the lock of the fleet's <see cref="FleetRouter"/>.
/// </summary>
internal sealed class FleetEngine(
    string endpoint, int capacity, ISandboxBackend backend, Func<CancellationToken, Task<string?>> probe, EngineBreaker breaker)
{
    public string Endpoint { get; } = endpoint;

    public int Capacity { get; } = capacity;

    public ISandboxBackend Backend { get; } = backend;

    /// <summary>Asks the engine whether it answers (its version call): null when it does, else why not.</summary>
    public Func<CancellationToken, Task<string?>> Probe { get; } = probe;

    public EngineBreaker Breaker { get; } = breaker;

    public int InFlight { get; set; }

    public long Runs { get; set; }

    public long Failures { get; set; }

    /// <summary>When this engine was last picked (a sequence number): ties of free capacity go to the one picked longest ago.</summary>
    public long LastPicked { get; set; }

    public int Free => Capacity - InFlight;

    public EngineHealth Health() => new()
    {
        Endpoint = Endpoint,
        State = Wire(Breaker.State),
        InFlight = InFlight,
        Capacity = Capacity,
        ConsecutiveFailures = Breaker.ConsecutiveFailures,
        Runs = Runs,
        Failures = Failures,
        LastFailure = Breaker.LastFailure,
        OpenUntil = Breaker.OpenUntil,
    };

    public static string Wire(EngineState state) => state switch
    {
        EngineState.Closed => "closed",
        EngineState.HalfOpen => "half-open",
        _ => "open",
    };
}
