using System.Net;
using EvoR.Api.Tests.Support;

namespace EvoR.Api.Tests.Executions;

public sealed class RequestBodyLimitTests
{
    [Fact]
    public async Task Post_BodyOverConfiguredLimit_Returns413BeforeExecuting()
    {
        using var factory = new ApiFactory(new Dictionary<string, string?> { ["Requests:MaxBodyBytes"] = "1024" });
        using var client = factory.CreateClient();
        var code = new string('x', 2000);

        var response = await client.PostExecutionAsync($$"""{ "language": "python", "code": "{{code}}" }""");

        var problem = await response.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge, "payload-too-large");
        Assert.Contains("Requests:MaxBodyBytes", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Null(factory.Executor.LastRequest);
    }

    [Fact]
    public async Task Post_BodyUnderConfiguredLimit_Executes()
    {
        using var factory = new ApiFactory(new Dictionary<string, string?> { ["Requests:MaxBodyBytes"] = "4096" });
        using var client = factory.CreateClient();
        var code = new string('x', 2000);

        var response = await client.PostExecutionAsync($$"""{ "language": "python", "code": "{{code}}" }""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2000, factory.Executor.LastRequest?.Code.Length);
    }
}
