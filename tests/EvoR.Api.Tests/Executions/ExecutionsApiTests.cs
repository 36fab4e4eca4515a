using System.Net;
using EvoR.Api.Tests.Support;
using EvoR.Sandbox;
using EvoR.Sandbox.Backends;

namespace EvoR.Api.Tests.Executions;

public sealed class ExecutionsApiTests : IDisposable
{
    private readonly ApiFactory _factory = new();
    private readonly HttpClient _client;

    public ExecutionsApiTests() => _client = _factory.CreateClient();

    public void Dispose()
    {
        _client.Dispose();
        _factory.Dispose();
    }

    [Fact]
    public async Task Post_ValidRequest_ReturnsResultWithStringVerdictAndAppliedLimits()
    {
        var response = await _client.PostExecutionAsync("""{ "language": "python", "code": "print(1)" }""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = await response.ReadJsonAsync();
        Assert.Equal("passed", result.GetProperty("verdict").GetString());
        Assert.Equal(0, result.GetProperty("exitCode").GetInt32());
        Assert.Equal("1\n", result.GetProperty("stdout").GetString());
        Assert.Equal("fake", result.GetProperty("backend").GetString());
        Assert.Equal("python", result.GetProperty("language").GetString());
        Assert.Equal(5000, result.GetProperty("limits").GetProperty("timeoutMs").GetInt32());
        Assert.False(result.TryGetProperty("fault", out _), "a result that is not a sandbox error names no fault");
        foreach (var member in new[] { "stderr", "truncated", "durationMs", "cases", "message", "compileOutput" })
        {
            Assert.True(result.TryGetProperty(member, out _), $"missing member {member}");
        }
    }

    [Theory]
    [InlineData(Verdict.Failed, "failed")]
    [InlineData(Verdict.RuntimeError, "runtimeError")]
    [InlineData(Verdict.CompileError, "compileError")]
    [InlineData(Verdict.TimeLimitExceeded, "timeLimitExceeded")]
    [InlineData(Verdict.MemoryLimitExceeded, "memoryLimitExceeded")]
    [InlineData(Verdict.OutputLimitExceeded, "outputLimitExceeded")]
    public async Task Post_ProgramFails_Returns200WithItsVerdict(Verdict verdict, string wire)
    {
        _factory.Executor.Respond = (request, limits) => FakeCodeExecutor.Result(request, limits, verdict);

        var response = await _client.PostExecutionAsync("""{ "language": "python", "code": "raise SystemExit(1)" }""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(wire, (await response.ReadJsonAsync()).GetProperty("verdict").GetString());
    }

    [Fact]
    public async Task Post_SandboxErrorOfTheInstallation_Returns500ProblemCarryingTheResult()
    {
        _factory.Executor.Respond = (request, limits) =>
            FakeCodeExecutor.Result(request, limits, Verdict.SandboxError, "bubblewrap could not create a namespace") with { Fault = SandboxFault.Installation };

        var response = await _client.PostExecutionAsync("""{ "language": "python", "code": "print(1)" }""");

        var problem = await response.AssertProblemAsync(HttpStatusCode.InternalServerError, "sandbox-error");
        Assert.Equal("bubblewrap could not create a namespace", problem.GetProperty("detail").GetString());
        var result = problem.GetProperty("result");
        Assert.Equal("sandboxError", result.GetProperty("verdict").GetString());
        Assert.Equal("1\n", result.GetProperty("stdout").GetString());
        Assert.Equal(5000, result.GetProperty("limits").GetProperty("timeoutMs").GetInt32());
    }

    [Fact]
    public async Task Post_SandboxErrorOfTheEngine_Returns503WithRetryAfterCarryingTheResult()
    {
        _factory.Executor.Respond = (request, limits) =>
            FakeCodeExecutor.Result(request, limits, Verdict.SandboxError, "cannot reach the Docker engine at unix:///x") with { Fault = SandboxFault.Engine };

        var response = await _client.PostExecutionAsync("""{ "language": "python", "code": "print(1)" }""");

        var problem = await response.AssertProblemAsync(HttpStatusCode.ServiceUnavailable, "sandbox-unavailable");
        Assert.Equal("5", response.Headers.RetryAfter?.ToString());
        Assert.Equal(5, problem.GetProperty("retryAfterSeconds").GetInt32());
        Assert.Equal("cannot reach the Docker engine at unix:///x", problem.GetProperty("detail").GetString());
        var result = problem.GetProperty("result");
        Assert.Equal("sandboxError", result.GetProperty("verdict").GetString());
        Assert.Equal("engine", result.GetProperty("fault").GetString());
    }

    [Fact]
    public async Task Post_ScriptTestsWithKindLast_BindsScriptTests()
    {
        var response = await _client.PostExecutionAsync(
            """{ "language": "python", "code": "def f(): return 1", "tests": { "code": "assert f() == 1", "kind": "script" } }""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var tests = Assert.IsType<ScriptTests>(_factory.Executor.LastRequest?.Tests);
        Assert.Equal("assert f() == 1", tests.Code);
    }

    [Fact]
    public async Task Post_IoTests_BindsCasesAndOptions()
    {
        var response = await _client.PostExecutionAsync("""
            { "language": "py", "code": "print(input())", "stdin": "ignored",
              "tests": { "cases": [ { "stdin": "a\n", "expectedStdout": "a\n" }, { "expectedStdout": "\n" } ],
                         "ignoreWhitespace": true, "numericTolerance": 0.01, "kind": "io" },
              "limits": { "timeoutMs": 2000, "memoryMb": 128 } }
            """);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var request = _factory.Executor.LastRequest!;
        var tests = Assert.IsType<IoTests>(request.Tests);
        Assert.Equal(2, tests.Cases.Count);
        Assert.Equal("a\n", tests.Cases[0].Stdin);
        Assert.True(tests.IgnoreWhitespace);
        Assert.Equal(0.01, tests.NumericTolerance);
        Assert.Equal("ignored", request.Stdin);
        Assert.Equal(2000, request.Limits?.TimeoutMs);
        Assert.Equal(128, (await response.ReadJsonAsync()).GetProperty("limits").GetProperty("memoryMb").GetInt32());
    }

    [Theory]
    [InlineData("""{ "language": "python", "code": }""", "$.code")]
    [InlineData("""{ "language": "python", "code": "print(1)" """, "$")]
    [InlineData("""{ "language": 5, "code": "x" }""", "$.language")]
    [InlineData("""{ "language": "python", "code": "x", "limits": { "timeoutMs": "soon" } }""", "$.limits.timeoutMs")]
    [InlineData("""[1, 2]""", "$")]
    public async Task Post_MalformedJson_Returns400InvalidJsonSayingWhere(string body, string path)
    {
        var response = await _client.PostExecutionAsync(body);

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-json");
        Assert.Equal(path, problem.GetProperty("path").GetString());
        Assert.True(problem.GetProperty("line").GetInt64() >= 1);
        var detail = problem.GetProperty("detail").GetString();
        Assert.Contains(path, detail, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "language": "python", "code": "x", "tests": { "kind": "io" } }""", "tests.cases")]
    [InlineData("""{ "language": "python", "code": "x", "tests": { "kind": "script" } }""", "tests.code")]
    [InlineData("""{ "language": "python", "code": "x", "tests": { "kind": "io", "cases": [ { "stdin": "" } ] } }""", "tests.cases[0].expectedStdout")]
    public async Task Post_MissingNestedMember_Returns400ValidationNamingIt(string body, string field)
    {
        var response = await _client.PostExecutionAsync(body);

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation");
        Assert.Equal([field], problem.GetProperty("errors").EnumerateObject().Select(e => e.Name));
        Assert.DoesNotContain("EvoR.", await response.Content.ReadAsStringAsync(Http.Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_UnknownTestsKind_Returns400UnsupportedTests()
    {
        var response = await _client.PostExecutionAsync("""{ "language": "python", "code": "x", "tests": { "kind": "fuzz" } }""");

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "unsupported-tests");
        Assert.Contains("'fuzz'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_EmptyBody_Returns400InvalidJson()
    {
        var response = await _client.PostExecutionAsync("");

        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-json");
    }

    [Theory]
    [InlineData("""{}""", "language,code")]
    [InlineData("""{ "language": "python" }""", "code")]
    [InlineData("""{ "code": "print(1)" }""", "language")]
    [InlineData("""{ "language": "  ", "code": "" }""", "language,code")]
    public async Task Post_MissingMembers_Returns400ValidationPerField(string body, string fields)
    {
        var response = await _client.PostExecutionAsync(body);

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation");
        var errors = problem.GetProperty("errors").EnumerateObject().Select(e => e.Name).Order(StringComparer.Ordinal);
        Assert.Equal(fields.Split(',').Order(StringComparer.Ordinal), errors);
        Assert.Null(_factory.Executor.LastRequest);
    }

    [Fact]
    public async Task Post_LimitOutOfRange_Returns400NamingFieldAndRange()
    {
        var response = await _client.PostExecutionAsync("""{ "language": "python", "code": "x", "limits": { "timeoutMs": 999999 } }""");

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "limit-out-of-range");
        Assert.Equal("limits.timeoutMs", problem.GetProperty("field").GetString());
        Assert.Contains("between 100 and 60000", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(RequestErrorKind.UnknownLanguage, HttpStatusCode.BadRequest, "unknown-language")]
    [InlineData(RequestErrorKind.LimitOutOfRange, HttpStatusCode.BadRequest, "limit-out-of-range")]
    [InlineData(RequestErrorKind.PayloadTooLarge, HttpStatusCode.RequestEntityTooLarge, "payload-too-large")]
    [InlineData(RequestErrorKind.UnsupportedTests, HttpStatusCode.BadRequest, "unsupported-tests")]
    [InlineData(RequestErrorKind.InvalidRequest, HttpStatusCode.BadRequest, "invalid-request")]
    public async Task Post_ExecutorRefusesRequest_ReturnsMatchingProblem(RequestErrorKind kind, HttpStatusCode status, string slug)
    {
        _factory.Executor.Respond = (_, _) => throw new ExecutionRequestException(kind, $"refused: {kind}", "code");

        var response = await _client.PostExecutionAsync("""{ "language": "python", "code": "print(1)" }""");

        var problem = await response.AssertProblemAsync(status, slug);
        Assert.Equal($"refused: {kind}", problem.GetProperty("detail").GetString());
        Assert.Equal("code", problem.GetProperty("field").GetString());
    }

    [Fact]
    public async Task Post_UnknownLanguage_ListsKnownLanguages()
    {
        _factory.Executor.Respond = (request, _) =>
            throw new ExecutionRequestException(RequestErrorKind.UnknownLanguage, $"Unknown language '{request.Language}'.", "language");

        var response = await _client.PostExecutionAsync("""{ "language": "cobol", "code": "DISPLAY 'HI'." }""");

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "unknown-language");
        var known = problem.GetProperty("knownLanguages").EnumerateArray().Select(l => l.GetString()).ToList();
        Assert.Contains("python", known);
    }

    [Fact]
    public async Task Post_SandboxBusy_Returns503WithRetryAfter()
    {
        _factory.Executor.Respond = (_, _) => throw new SandboxBusyException(TimeSpan.FromSeconds(2.5));

        var response = await _client.PostExecutionAsync("""{ "language": "python", "code": "print(1)" }""");

        var problem = await response.AssertProblemAsync(HttpStatusCode.ServiceUnavailable, "sandbox-busy");
        Assert.Equal(TimeSpan.FromSeconds(3), response.Headers.RetryAfter?.Delta);
        Assert.Equal(3, problem.GetProperty("retryAfterSeconds").GetInt32());
    }

    [Fact]
    public async Task Post_UnhandledException_Returns500WithoutDetails()
    {
        _factory.Executor.Respond = (_, _) => throw new InvalidOperationException("secret internal state 0xDEADBEEF");

        var response = await _client.PostExecutionAsync("""{ "language": "python", "code": "print(1)" }""");

        await response.AssertProblemAsync(HttpStatusCode.InternalServerError, "internal-error");
        Assert.DoesNotContain("0xDEADBEEF", await response.Content.ReadAsStringAsync(Http.Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_NotJsonContentType_Returns415()
    {
        using var content = new StringContent("print(1)", System.Text.Encoding.UTF8, "text/plain");

        var response = await _client.PostAsync("/v1/executions", content, Http.Ct);

        await response.AssertProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported-media-type");
    }

    [Fact]
    public async Task Get_UnknownRoute_Returns404Problem()
    {
        var response = await _client.GetAsync("/v1/nothing-here", Http.Ct);

        await response.AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task Get_Executions_Returns405Problem()
    {
        var response = await _client.GetAsync("/v1/executions", Http.Ct);

        await response.AssertProblemAsync(HttpStatusCode.MethodNotAllowed, "method-not-allowed");
    }
}
