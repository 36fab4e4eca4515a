using System.Diagnostics;
using System.Diagnostics.Metrics;
using EvoR.Sandbox.Diagnostics;

namespace EvoR.Sandbox.Docker.Fleet;

/// <summary>
/// The fleet's instruments on the sandbox's meter (<c>EvoR.Sandbox</c>), each labelled <c>evor.engine</c> (the
/// endpoint): gauges <c>evor.sandbox.engine.in_flight</c>, <c>.capacity</c>, <c>.state</c> (0 closed, 1 half-open,
/// 2 open) and <c>.consecutive_failures</c>; counters <c>evor.sandbox.engine.runs</c> (by <c>evor.outcome</c>
/// <c>ok</c>/<c>fault</c>) and <c>evor.sandbox.engine.transitions</c> (by the state entered, <c>evor.state</c>).
/// </summary>
internal sealed class FleetTelemetry
{
    private readonly Meter _meter;
    private readonly Counter<long> _runs;
    private readonly Counter<long> _transitions;

    public FleetTelemetry(IMeterFactory? meterFactory = null)
    {
        // The meter factory hands out one meter per name, so these sit beside SandboxTelemetry's instruments.
        _meter = meterFactory?.Create(SandboxTelemetry.Name) ?? new Meter(SandboxTelemetry.Name);
        _runs = _meter.CreateCounter<long>("evor.sandbox.engine.runs", "{run}", "Runs finished per Docker engine, by outcome (ok, or an engine fault).");
        _transitions = _meter.CreateCounter<long>("evor.sandbox.engine.transitions", "{transition}", "Breaker state changes per Docker engine, by the state entered.");
    }

    /// <summary>Registers the per-engine gauges of a fleet; called once by the fleet.</summary>
    public void Observe(IEngineFleet fleet)
    {
        _meter.CreateObservableGauge("evor.sandbox.engine.in_flight", () => Each(fleet, e => e.InFlight), "{run}", "Runs on each Docker engine now.");
        _meter.CreateObservableGauge("evor.sandbox.engine.capacity", () => Each(fleet, e => e.Capacity), "{run}", "Most runs each Docker engine takes at once.");
        _meter.CreateObservableGauge("evor.sandbox.engine.state", () => Each(fleet, e => e.State switch { "closed" => 0, "half-open" => 1, _ => 2 }),
            "{state}", "Breaker state of each Docker engine: 0 closed (in rotation), 1 half-open (probing), 2 open (out).");
        _meter.CreateObservableGauge("evor.sandbox.engine.consecutive_failures", () => Each(fleet, e => e.ConsecutiveFailures), "{failure}",
            "Engine faults in a row on each Docker engine.");
    }

    public void Run(string endpoint, bool ok) =>
        _runs.Add(1, new TagList { { "evor.engine", endpoint }, { "evor.outcome", ok ? "ok" : "fault" } });

    public void Transition(string endpoint, EngineState state) =>
        _transitions.Add(1, new TagList { { "evor.engine", endpoint }, { "evor.state", FleetEngine.Wire(state) } });

    private static IEnumerable<Measurement<long>> Each(IEngineFleet fleet, Func<EngineHealth, long> value) =>
        fleet.Engines.Select(e => new Measurement<long>(value(e), new KeyValuePair<string, object?>("evor.engine", e.Endpoint)));
}
