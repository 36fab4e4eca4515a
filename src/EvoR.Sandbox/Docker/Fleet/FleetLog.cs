using Microsoft.Extensions.Logging;

namespace EvoR.Sandbox.Docker.Fleet;

/// <summary>Log messages of the Docker engine fleet, with stable event ids (1150–1169).</summary>
internal static partial class FleetLog
{
    [LoggerMessage(1150, LogLevel.Information, "Docker fleet of {Count} engine(s): {Engines}")]
    public static partial void Started(ILogger logger, int count, string engines);

    [LoggerMessage(1151, LogLevel.Warning, "Docker engine {Endpoint} taken out of rotation for {Seconds} s after {Failures} engine faults in a row; last: {Reason}")]
    public static partial void Opened(ILogger logger, string endpoint, int seconds, int failures, string reason);

    [LoggerMessage(1152, LogLevel.Information, "Docker engine {Endpoint} answered its probe: back in rotation")]
    public static partial void Closed(ILogger logger, string endpoint);

    [LoggerMessage(1153, LogLevel.Warning, "Docker engine {Endpoint} failed its probe, out for another {Seconds} s: {Reason}")]
    public static partial void ProbeFailed(ILogger logger, string endpoint, int seconds, string reason);

    [LoggerMessage(1154, LogLevel.Warning, "Every Docker engine of the fleet is out of rotation: {Why}")]
    public static partial void AllOut(ILogger logger, string why);

    [LoggerMessage(1155, LogLevel.Debug, "Run sent to Docker engine {Endpoint} ({InFlight}/{Capacity} in flight)")]
    public static partial void Routed(ILogger logger, string endpoint, int inFlight, int capacity);
}
