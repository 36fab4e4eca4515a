namespace EvoR.Api.Telemetry;

/// <summary>Names of the telemetry sources this host exports.</summary>
public static class TelemetryNames
{
    /// <summary>The sandbox's <c>Meter</c> and <c>ActivitySource</c> (executions by language and verdict, latency,
    /// queue depth, sandbox failures).</summary>
    public const string Sandbox = "EvoR.Sandbox";

    /// <summary>Service name in the OpenTelemetry resource.</summary>
    public const string ServiceName = "evor-api";
}
