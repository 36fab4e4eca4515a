using System.Net;
using EvoR.Api.Tests.Support;

namespace EvoR.Api.Tests.Telemetry;

public sealed class MetricsTests
{
    [Fact]
    public async Task Get_MetricsAfterExecution_ExposesSandboxMeter()
    {
        using var factory = new ApiFactory();
        using var client = factory.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.PostExecutionAsync("""{ "language": "python", "code": "print(1)" }""")).StatusCode);

        var response = await client.GetAsync("/metrics", Http.Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync(Http.Ct);
        // The sandbox's Meter is process-wide, so executions of tests running beside this one (other hosts, other
        // backends and verdicts) may be exported too: look for this run's series among them.
        var lines = text.Split('\n').Where(l => l.StartsWith("evor_sandbox_executions_total{", StringComparison.Ordinal)).ToList();
        Assert.Contains(lines, l => l.Contains("otel_scope_name=\"EvoR.Sandbox\"", StringComparison.Ordinal)
            && l.Contains("evor_language=\"python\"", StringComparison.Ordinal)
            && l.Contains("evor_verdict=\"Passed\"", StringComparison.Ordinal));
        Assert.Contains("http_server_request_duration_seconds", text, StringComparison.Ordinal);
    }
}
