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
        var line = Assert.Single(text.Split('\n'), l => l.StartsWith("evor_sandbox_executions_total{", StringComparison.Ordinal));
        Assert.Contains("otel_scope_name=\"EvoR.Sandbox\"", line, StringComparison.Ordinal);
        Assert.Contains("evor_language=\"python\"", line, StringComparison.Ordinal);
        Assert.Contains("evor_verdict=\"Passed\"", line, StringComparison.Ordinal);
        Assert.Contains("http_server_request_duration_seconds", text, StringComparison.Ordinal);
    }
}
