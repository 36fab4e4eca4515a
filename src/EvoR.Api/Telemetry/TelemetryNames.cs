namespace EvoR.Api.Telemetry;

/// <summary>Names of the telemetry sources this host exports.</summary>
public static class TelemetryNames
{
    /// <summary>The sandbox's <c>Meter</c> and <c>ActivitySource</c> (executions by language and verdict, latency,
    /// queue depth, sandbox failures).</summary>
    public const string Sandbox = "EvoR.Sandbox";

    /// <summary>The generation jobs' <c>Meter</c> (jobs by method and status, queue depth, running jobs, job duration).</summary>
    public const string Generations = "EvoR.Generations";

    /// <summary>The LLM layer's <c>Meter</c> and <c>ActivitySource</c> (calls, tokens, failures, retries, call duration).</summary>
    public const string Llm = "EvoR.Llm";

    /// <summary>Service name in the OpenTelemetry resource.</summary>
    public const string ServiceName = "evor-api";
}
