using System.Net;
using EvoR.Api.Requests;
using EvoR.Api.Tests.Support;

namespace EvoR.Api.Tests.Requests;

public sealed class RequestIdTests
{
    [Fact]
    public async Task Post_IncomingRequestId_EchoedInHeaderProblemAndEveryLogLine()
    {
        using var factory = new ApiFactory();
        using var client = factory.CreateClient();

        var ok = await client.PostExecutionAsync("""{ "language": "python", "code": "print(1)" }""", requestId: "req-42");
        var bad = await client.PostExecutionAsync("""{ "language": "python" }""", requestId: "req-43");

        Assert.Equal("req-42", ok.Headers.GetValues(RequestIdMiddleware.HeaderName).Single());
        var problem = await bad.AssertProblemAsync(HttpStatusCode.BadRequest, "validation");
        Assert.Equal("req-43", problem.GetProperty("requestId").GetString());
        var executionLogs = factory.Logs.GetSnapshot().Where(r => r.Category == "EvoR.Api.Executions").ToList();
        Assert.NotEmpty(executionLogs);
        Assert.All(executionLogs, r => Assert.Contains(r.Scopes, s => s?.ToString() == "RequestId:req-42"));
    }

    [Fact]
    public async Task Get_NoIncomingRequestId_ServerAssignsOne()
    {
        using var factory = new ApiFactory();
        using var client = factory.CreateClient();

        var response = await client.GetAsync("/health", Http.Ct);

        Assert.False(string.IsNullOrWhiteSpace(response.Headers.GetValues(RequestIdMiddleware.HeaderName).Single()));
    }

    [Theory]
    [InlineData("abc-123", true)]
    [InlineData("0HN:00000001", true)]
    [InlineData("", false)]
    [InlineData("has space", false)]
    [InlineData("line\nbreak", false)]
    [InlineData("ünïcode", false)]
    public void IsAcceptable_Value_Classified(string value, bool acceptable) =>
        Assert.Equal(acceptable, RequestIdMiddleware.IsAcceptable(value));

    [Fact]
    public void IsAcceptable_Over128Characters_Rejected() =>
        Assert.False(RequestIdMiddleware.IsAcceptable(new string('a', 129)));
}
