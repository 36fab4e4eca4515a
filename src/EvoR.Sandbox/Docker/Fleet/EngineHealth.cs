namespace EvoR.Sandbox;

/// <summary>One Docker engine of the fleet as <c>/health</c> shows it.</summary>
public sealed record EngineHealth
{
    /// <summary>The engine's endpoint (<c>unix:///…</c> or <c>tcp://host:port</c>).</summary>
    public required string Endpoint { get; init; }

    /// <summary><c>closed</c> (in rotation), <c>open</c> (out until its cool-down ends) or <c>half-open</c> (its probe runs).</summary>
    public required string State { get; init; }

    /// <summary>Runs on this engine now.</summary>
    public required int InFlight { get; init; }

    /// <summary>Most runs it takes at once.</summary>
    public required int Capacity { get; init; }

    /// <summary>Engine faults in a row (the breaker opens at <c>Sandbox:Docker:Breaker:FailuresToOpen</c>).</summary>
    public required int ConsecutiveFailures { get; init; }

    /// <summary>Runs finished on this engine since start.</summary>
    public required long Runs { get; init; }

    /// <summary>Engine faults since start.</summary>
    public required long Failures { get; init; }

    /// <summary>The last engine fault, if any.</summary>
    public string? LastFailure { get; init; }

    /// <summary>When an open engine may be probed back in.</summary>
    public DateTimeOffset? OpenUntil { get; init; }
}

/// <summary>A sandbox backend made of several engines (the Docker fleet), for health and metrics.</summary>
public interface IEngineFleet
{
    /// <summary>Each engine's state now.</summary>
    IReadOnlyList<EngineHealth> Engines { get; }
}

/// <summary>The process backend's fleet: no engines.</summary>
internal sealed class NoEngineFleet : IEngineFleet
{
    public static readonly NoEngineFleet Instance = new();

    public IReadOnlyList<EngineHealth> Engines => [];
}
