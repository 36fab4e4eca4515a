using System.Net;
using EvoR.Api.Tests.Support;

namespace EvoR.Api.Tests.Executions;

/// <summary><c>files</c> and <c>arguments</c> of <c>/v1/executions</c>: bound to the request, and refused (by the real
/// executor's validation, before anything runs) as problems whose <c>field</c> names the member.</summary>
public sealed class ExecutionFilesApiTests : IDisposable
{
    private readonly ApiFactory _fake = new();
    private readonly ApiFactory _real = new(realSandbox: true);

    public void Dispose()
    {
        _fake.Dispose();
        _real.Dispose();
    }

    [Fact]
    public async Task Post_FilesAndArguments_BindToTheRequest()
    {
        using var client = _fake.CreateClient();

        var response = await client.PostExecutionAsync("""
            { "language": "python", "code": "print(1)", "arguments": ["--test_case", "1"],
              "files": [{ "name": "input/a.pkl", "content": "AAEC", "encoding": "base64" }, { "name": "t.py", "content": "x = 1" }] }
            """);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var request = _fake.Executor.LastRequest!;
        Assert.Equal(["--test_case", "1"], request.Arguments);
        Assert.Equal(
            [("input/a.pkl", "AAEC", (string?)"base64"), ("t.py", "x = 1", null)],
            request.Files!.Select(f => (f.Name, f.Content, f.Encoding)));
    }

    [Theory]
    [InlineData("""[{ "name": "../escape.txt", "content": "x" }]""", HttpStatusCode.BadRequest, "invalid-request", "files[0].name")]
    [InlineData("""[{ "name": "ok" }, { "name": "/etc/passwd", "content": "x" }]""", HttpStatusCode.BadRequest, "invalid-request", "files[1].name")]
    [InlineData("""[{ "name": "a", "content": "%%%", "encoding": "base64" }]""", HttpStatusCode.BadRequest, "invalid-request", "files[0].content")]
    [InlineData("""[{ "name": "a", "content": "x", "encoding": "zip" }]""", HttpStatusCode.BadRequest, "invalid-request", "files[0].encoding")]
    public async Task Post_InvalidFile_ProblemNamingTheMember(string files, HttpStatusCode status, string slug, string field)
    {
        using var client = _real.CreateClient();

        var response = await client.PostExecutionAsync($$"""{ "language": "python", "code": "print(1)", "files": {{files}} }""");

        var problem = await response.AssertProblemAsync(status, slug);
        Assert.Equal(field, problem.GetProperty("field").GetString());
    }

    [Fact]
    public async Task Post_FileOverTheCap_Returns413NamingIt()
    {
        using var client = _real.CreateClient();
        var big = Convert.ToBase64String(new byte[4 * 1024 * 1024 + 1]);

        var response = await client.PostExecutionAsync($$"""{ "language": "python", "code": "print(1)", "files": [{ "name": "big", "content": "{{big}}", "encoding": "base64" }] }""");

        var problem = await response.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge, "payload-too-large");
        Assert.Equal("files[0].content", problem.GetProperty("field").GetString());
    }

    [Fact]
    public async Task Post_ArgumentWithNul_Returns400NamingIt()
    {
        using var client = _real.CreateClient();

        var response = await client.PostExecutionAsync("""{ "language": "python", "code": "print(1)", "arguments": ["a", "b\u0000"] }""");

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-request");
        Assert.Equal("arguments[1]", problem.GetProperty("field").GetString());
    }
}

/// <summary><c>libraries</c> of <c>/v1/executions</c>: a name the service does not configure is a 400
/// <c>unknown-library</c> problem naming the member and listing the configured names.</summary>
public sealed class ExecutionLibrariesApiTests : IDisposable
{
    private readonly ApiFactory _factory = new(new Dictionary<string, string?>
    {
        ["Sandbox:Libraries:tessera:Path"] = "/srv/libraries/tessera",
        ["Sandbox:Libraries:vaultlib:Path"] = "/srv/libraries/vaultlib",
    }, realSandbox: true);

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task Post_UnknownLibrary_Returns400ListingTheKnownOnes()
    {
        using var client = _factory.CreateClient();

        var response = await client.PostExecutionAsync("""{ "language": "python", "code": "print(1)", "libraries": ["tessera", "numpy"] }""");

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "unknown-library");
        Assert.Equal("libraries[1]", problem.GetProperty("field").GetString());
        Assert.Equal(["tessera", "vaultlib"], problem.GetProperty("knownLibraries").EnumerateArray().Select(e => e.GetString()));
    }
}
