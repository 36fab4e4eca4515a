using System.Net;
using System.Text.Json;
using EvoR.Api.Tests.Support;

namespace EvoR.Api.Tests.EndToEnd;

/// <summary>The API over the real sandbox: skipped, with the reason, where bubblewrap is missing or the sandbox
/// reports itself unhealthy on this machine.</summary>
public sealed class SandboxEndToEndTests(SandboxHostFixture host) : IClassFixture<SandboxHostFixture>
{
    [Fact]
    public async Task Post_PythonPrint_Passed()
    {
        var client = host.ClientOrSkip();

        var result = await ExecuteAsync(client, """{ "language": "python", "code": "print(1)" }""");

        Assert.True(result.GetProperty("verdict").GetString() == "passed", result.ToString());
        Assert.Equal("1\n", result.GetProperty("stdout").GetString());
        Assert.Equal("process", result.GetProperty("backend").GetString());
    }

    [Fact]
    public async Task Post_FailingHumanEvalCheck_Failed()
    {
        var client = host.ClientOrSkip();

        var result = await ExecuteAsync(client, """
            { "language": "python",
              "code": "def add(a, b):\n    return a - b\n",
              "tests": { "kind": "script", "code": "def check(candidate):\n    assert candidate(1, 2) == 3\n\ncheck(add)\n" } }
            """);

        Assert.True(result.GetProperty("verdict").GetString() == "failed", result.ToString());
    }

    [Fact]
    public async Task Post_PassingHumanEvalCheck_PassedAndCounted()
    {
        var client = host.ClientOrSkip();

        var result = await ExecuteAsync(client, """
            { "language": "python",
              "tests": { "code": "def check(candidate):\n    assert candidate(1, 2) == 3\n\ncheck(add)\n", "kind": "script" },
              "code": "def add(a, b):\n    return a + b\n" }
            """);
        var metrics = await client.GetStringAsync("/metrics", Http.Ct);

        Assert.True(result.GetProperty("verdict").GetString() == "passed", result.ToString());
        Assert.Contains(metrics.Split('\n'), l => l.StartsWith("evor_sandbox_executions_total{", StringComparison.Ordinal)
            && l.Contains("evor_verdict=\"Passed\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Post_UnknownLanguage_ListsTheBuiltInLanguages()
    {
        var client = host.ClientOrSkip();

        var response = await client.PostExecutionAsync("""{ "language": "cobol", "code": "x" }""");

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "unknown-language");
        Assert.Contains("python", problem.GetProperty("knownLanguages").EnumerateArray().Select(l => l.GetString()));
    }

    private static async Task<JsonElement> ExecuteAsync(HttpClient client, string body)
    {
        var response = await client.PostExecutionAsync(body);
        var json = await response.ReadJsonAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, json.ToString());
        return json;
    }
}

/// <summary>One app over the real sandbox for the end-to-end tests, and why it cannot run here (if so).</summary>
public sealed class SandboxHostFixture : IAsyncLifetime
{
    private readonly ApiFactory _factory = new(new Dictionary<string, string?> { ["Sandbox:MaxConcurrency"] = "2" }, realSandbox: true);
    private HttpClient? _client;
    private string? _skipReason;

    public async ValueTask InitializeAsync()
    {
        if (!OnPath("bwrap"))
        {
            _skipReason = "bubblewrap (bwrap) is not on PATH; the process sandbox cannot run here";
            return;
        }

        _client = _factory.CreateClient();
        using var health = await _client.GetAsync("/health", Http.Ct);
        if (health.StatusCode != HttpStatusCode.OK)
        {
            var report = await health.ReadJsonAsync();
            _skipReason = $"the sandbox is unhealthy on this machine: {report.GetProperty("message").GetString()}";
        }
    }

    /// <summary>The client, or skips the calling test with the reason.</summary>
    public HttpClient ClientOrSkip()
    {
        if (_skipReason is not null || _client is null)
        {
            Assert.Skip(_skipReason ?? "the sandbox host did not start");
        }

        return _client;
    }

    public async ValueTask DisposeAsync()
    {
        _client?.Dispose();
        await _factory.DisposeAsync();
    }

    private static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, program)));
}
