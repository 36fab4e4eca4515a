using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using EvoR.Api.Requests;
using EvoR.Api.Tests.Support;

namespace EvoR.Api.Tests.Requests;

/// <summary>The built service on a real loopback port: requests Kestrel refuses itself get problem bodies too.</summary>
public sealed class KestrelRejectionTests(KestrelRejectionTests.Service service) : IClassFixture<KestrelRejectionTests.Service>
{
    public sealed class Service : IAsyncLifetime
    {
        public ServiceProcess Process { get; private set; } = null!;

        public async ValueTask InitializeAsync()
        {
            Process = ServiceProcess.Start();
            await Process.WaitListeningAsync();
        }

        public async ValueTask DisposeAsync() => await Process.DisposeAsync();
    }

    /// <summary>Sends raw bytes and reads until the server closes the connection.</summary>
    private async Task<string> SendRawAsync(string request)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(service.Process.BaseAddress.Host, service.Process.BaseAddress.Port, Http.Ct);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request), Http.Ct);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Http.Ct);
        cts.CancelAfter(TimeSpan.FromSeconds(20));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return await reader.ReadToEndAsync(cts.Token);
    }

    private static JsonElement AssertProblem(string response, int status, string slug)
    {
        var split = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.True(split > 0, response);
        var head = response[..split];
        var body = response[(split + 4)..];
        Assert.StartsWith($"HTTP/1.1 {status} ", head, StringComparison.Ordinal);
        Assert.Contains("\r\nContent-Type: application/problem+json", head, StringComparison.Ordinal);
        Assert.Contains($"\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}", head, StringComparison.Ordinal);
        var problem = JsonDocument.Parse(body).RootElement.Clone();
        Assert.Equal("urn:evor:problem:" + slug, problem.GetProperty("type").GetString());
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        Assert.Contains($"\r\nX-Request-Id: {problem.GetProperty("requestId").GetString()}", head, StringComparison.Ordinal);
        return problem;
    }

    [Theory]
    [InlineData("/v1/executions%00")]
    [InlineData("/v1/knowledge-bases/docs/documents/a%00b")]
    public async Task Get_NulInPath_400ProblemBody(string path)
    {
        var response = await SendRawAsync($"GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n");

        AssertProblem(response, 400, "bad-request");
    }

    [Fact]
    public async Task Get_UrlOver8KB_414ProblemBody()
    {
        var response = await SendRawAsync($"GET /v1/{new string('a', 9000)} HTTP/1.1\r\nHost: localhost\r\n\r\n");

        AssertProblem(response, 414, "uri-too-long");
    }

    [Fact]
    public async Task Get_HeadersTooLarge_431ProblemBody()
    {
        var response = await SendRawAsync($"GET /health/live HTTP/1.1\r\nHost: localhost\r\nX-Big: {new string('b', 40_000)}\r\n\r\n");

        AssertProblem(response, 431, "request-headers-too-large");
    }

    [Fact]
    public async Task Get_BadRequestAfterAGoodOneOnTheSameConnection_BothAnswered()
    {
        var response = await SendRawAsync(
            "GET /health/live HTTP/1.1\r\nHost: localhost\r\n\r\nGET /v1/executions%00 HTTP/1.1\r\nHost: localhost\r\n\r\n");

        var second = response.IndexOf("HTTP/1.1 400 ", StringComparison.Ordinal);
        Assert.True(second > 0, response);
        Assert.StartsWith("HTTP/1.1 200 OK", response, StringComparison.Ordinal);
        Assert.Contains("{\"status\":\"live\"}", response[..second], StringComparison.Ordinal);
        AssertProblem(response[second..], 400, "bad-request");
    }

    [Fact]
    public async Task Get_LargeNormalResponse_PassesIntact()
    {
        using var client = new HttpClient { BaseAddress = service.Process.BaseAddress };

        var document = await client.GetStringAsync("/openapi/v1.json", Http.Ct);

        Assert.True(document.Length > 10_000, $"{document.Length} bytes");
        Assert.True(JsonDocument.Parse(document).RootElement.TryGetProperty("paths", out _));
    }

    [Theory]
    [InlineData("HTTP/1.1 400 Bad Request\r\nContent-Type: application/problem+json\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")]
    [InlineData("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\nDate: x\r\n\r\n{}")]
    public void Rewrite_NotKestrelsBareRejection_LeftAlone(string head) =>
        Assert.Null(KestrelRejectionProblems.Rewrite(Encoding.ASCII.GetBytes(head), "c1"));
}
