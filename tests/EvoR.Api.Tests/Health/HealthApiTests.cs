using System.Net;
using EvoR.Api.Tests.Support;
using EvoR.Sandbox;

namespace EvoR.Api.Tests.Health;

public sealed class HealthApiTests
{
    [Fact]
    public async Task Get_Healthy_Returns200WithReport()
    {
        using var factory = new ApiFactory();
        using var client = factory.CreateClient();

        var response = await client.GetAsync("/health", Http.Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var report = await response.ReadJsonAsync();
        Assert.True(report.GetProperty("healthy").GetBoolean());
        Assert.Equal("fake", report.GetProperty("backend").GetString());
        Assert.Equal(2, report.GetProperty("languages").GetArrayLength());
    }

    [Fact]
    public async Task Get_Unhealthy_Returns503WithReport()
    {
        using var factory = new ApiFactory();
        factory.Health.Report = new SandboxHealthReport { Backend = "fake", Healthy = false, Message = "bwrap missing" };
        using var client = factory.CreateClient();

        var response = await client.GetAsync("/health", Http.Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var report = await response.ReadJsonAsync();
        Assert.False(report.GetProperty("healthy").GetBoolean());
        Assert.Equal("bwrap missing", report.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Get_ProbeThrows_Returns503WithoutDetails()
    {
        using var factory = new ApiFactory();
        factory.Health.Failure = new InvalidOperationException("secret probe state");
        using var client = factory.CreateClient();

        var response = await client.GetAsync("/health", Http.Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync(Http.Ct);
        Assert.DoesNotContain("secret probe state", body, StringComparison.Ordinal);
        Http.AssertNoStackTrace(body);
        Assert.False((await response.ReadJsonAsync()).GetProperty("healthy").GetBoolean());
    }
}
