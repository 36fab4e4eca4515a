using System.Net;
using EvoR.Api.Tests.EndToEnd;
using EvoR.Api.Tests.Support;
using EvoR.Sandbox;

namespace EvoR.Api.Tests.Executions;

/// <summary><c>POST /v1/executions/batch</c>: results in order, every item checked before any runs (an invalid one
/// named by its index), the batch size capped, a full sandbox a 503.</summary>
public sealed class ExecutionBatchApiTests : IDisposable
{
    private readonly ApiFactory _factory = new(new Dictionary<string, string?> { ["Sandbox:MaxBatchExecutions"] = "5" });
    private readonly ApiFactory _real = new(new Dictionary<string, string?> { ["Sandbox:MaxBatchExecutions"] = "5" }, realSandbox: true);

    public void Dispose()
    {
        _factory.Dispose();
        _real.Dispose();
    }

    private static async Task<HttpResponseMessage> PostBatchAsync(HttpClient client, string json) =>
        await client.PostAsync("/v1/executions/batch", Http.Json(json), Http.Ct);

    [Fact]
    public async Task Post_Batch_ResultsInTheRequestsOrder()
    {
        var started = 0;
        _factory.Executor.Respond = (request, limits) =>
        {
            Interlocked.Increment(ref started);
            // The later items answer first: the order of the results is the request's, not the finish order.
            Thread.Sleep(request.Code == "a" ? 200 : 0);
            return FakeCodeExecutor.Result(request, limits, request.Code == "c" ? Verdict.Failed : Verdict.Passed) with { Stdout = request.Code };
        };
        using var client = _factory.CreateClient();

        var response = await PostBatchAsync(client, """
            { "executions": [ { "language": "python", "code": "a" }, { "language": "python", "code": "b" },
                              { "language": "lua", "code": "c", "stdin": "x" } ] }
            """);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var results = (await response.ReadJsonAsync()).GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(["a", "b", "c"], results.Select(r => r.GetProperty("stdout").GetString()));
        Assert.Equal(["passed", "passed", "failed"], results.Select(r => r.GetProperty("verdict").GetString()));
        Assert.Equal("lua", results[2].GetProperty("language").GetString());
        Assert.Equal(3, started);
    }

    [Fact]
    public async Task Post_Batch_IsOneTrustScope_EndedWithTheRequest()
    {
        using var client = _factory.CreateClient();

        var first = await PostBatchAsync(client, """{ "executions": [ { "language": "python", "code": "a" }, { "language": "python", "code": "b" } ] }""");
        var second = await PostBatchAsync(client, """{ "executions": [ { "language": "python", "code": "c" } ] }""");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(2, _factory.Executor.ScopesOpened);
        Assert.Equal(2, _factory.Executor.ScopesEnded);
        Assert.Equal(_factory.Executor.ScopeOfCode["a"], _factory.Executor.ScopeOfCode["b"]);
        Assert.NotEqual(_factory.Executor.ScopeOfCode["a"], _factory.Executor.ScopeOfCode["c"]);
    }

    [Fact]
    public async Task Post_ItemMissingMembers_400ValidationNamingTheIndex_NothingRuns()
    {
        using var client = _factory.CreateClient();

        var response = await PostBatchAsync(client, """{ "executions": [ { "language": "python", "code": "a" }, { "language": "python" }, null ] }""");

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation");
        Assert.Equal(["executions[1].code", "executions[2]"], problem.GetProperty("errors").EnumerateObject().Select(e => e.Name).Order(StringComparer.Ordinal));
        Assert.Null(_factory.Executor.LastRequest);
    }

    [Theory]
    [InlineData("""{ "language": "python", "code": "print(1)", "files": [{ "name": "../x", "content": "" }] }""", "invalid-request", "executions[1].files[0].name")]
    [InlineData("""{ "language": "cobol", "code": "x" }""", "unknown-language", "executions[1].language")]
    [InlineData("""{ "language": "python", "code": "x", "limits": { "timeoutMs": 999999 } }""", "limit-out-of-range", "executions[1].limits.timeoutMs")]
    public async Task Post_InvalidItem_400NamingItsIndex_BeforeAnyRuns(string item, string slug, string field)
    {
        using var client = _real.CreateClient();

        var response = await PostBatchAsync(client, $$"""{ "executions": [ { "language": "python", "code": "print(1)" }, {{item}} ] }""");

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, slug);
        Assert.Equal(field, problem.GetProperty("field").GetString());
        Assert.StartsWith("executions[1]: ", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{ }", HttpStatusCode.BadRequest, "validation")]
    [InlineData("""{ "executions": [] }""", HttpStatusCode.BadRequest, "validation")]
    [InlineData("""{ "executions": [ {"language":"python","code":"1"}, {"language":"python","code":"2"}, {"language":"python","code":"3"}, {"language":"python","code":"4"}, {"language":"python","code":"5"}, {"language":"python","code":"6"} ] }""", HttpStatusCode.RequestEntityTooLarge, "payload-too-large")]
    public async Task Post_EmptyOrOverTheCap_Refused(string body, HttpStatusCode status, string slug)
    {
        using var client = _factory.CreateClient();

        var response = await PostBatchAsync(client, body);

        await response.AssertProblemAsync(status, slug);
        Assert.Null(_factory.Executor.LastRequest);
    }

    [Fact]
    public async Task Post_SandboxBusy_Returns503WithRetryAfter()
    {
        _factory.Executor.Respond = (request, limits) => request.Code == "b"
            ? throw new SandboxBusyException(TimeSpan.FromSeconds(2))
            : FakeCodeExecutor.Result(request, limits, Verdict.Passed);
        using var client = _factory.CreateClient();

        var response = await PostBatchAsync(client, """{ "executions": [ { "language": "python", "code": "a" }, { "language": "python", "code": "b" } ] }""");

        await response.AssertProblemAsync(HttpStatusCode.ServiceUnavailable, "sandbox-busy");
        Assert.Equal(TimeSpan.FromSeconds(2), response.Headers.RetryAfter?.Delta);
    }
}

/// <summary>A batch through the real sandbox: the programs run (in parallel within the pool) and answer in order.</summary>
public sealed class ExecutionBatchEndToEndTests(SandboxHostFixture host) : IClassFixture<SandboxHostFixture>
{
    [Fact]
    public async Task Post_BatchOfPrograms_EachItsOwnVerdictInOrder()
    {
        var client = host.ClientOrSkip();

        using var response = await client.PostAsync("/v1/executions/batch", Http.Json("""
            { "executions": [
                { "language": "python", "code": "import sys\nprint(sys.argv[1])", "arguments": ["first"] },
                { "language": "python", "code": "raise SystemExit(3)" },
                { "language": "python", "code": "print(open('in.txt').read())", "files": [{ "name": "in.txt", "content": "third" }] },
                { "language": "python", "code": "print(input())", "stdin": "fourth\n" } ] }
            """), Http.Ct);

        var body = await response.ReadJsonAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
        var results = body.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(["passed", "runtimeError", "passed", "passed"], results.Select(r => r.GetProperty("verdict").GetString()));
        Assert.Equal(["first\n", "", "third\n", "fourth\n"], results.Select(r => r.GetProperty("stdout").GetString()));
    }
}
