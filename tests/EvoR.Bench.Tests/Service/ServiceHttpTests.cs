using System.Diagnostics;
using System.Net;
using System.Text;
using EvoR.Bench.Service;

namespace EvoR.Bench.Tests.Service;

/// <summary>The retry pipeline of <c>run --service</c>'s client, against a stub handler.</summary>
public sealed class ServiceHttpTests
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(HttpStatusCode.TooManyRequests)]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    public async Task Send_RefusedWithRetryAfter_WaitsThatLongThenSucceeds(HttpStatusCode refusal)
    {
        var stub = new StubHandler(Refused(refusal, TimeSpan.FromSeconds(1)), Ok());
        using var client = ServiceHttp.Create(new Uri("http://evor.test"), "key", stub, baseDelay: TimeSpan.FromMilliseconds(1));

        var clock = Stopwatch.StartNew();
        using var response = await client.GetAsync("v1/models", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, stub.Calls.Count);
        // The back-off alone is 1 ms: only Retry-After explains the wait.
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.95), $"waited {clock.Elapsed}");
        Assert.All(stub.Calls, c => Assert.Equal("Bearer key", c));
    }

    [Fact]
    public async Task Send_ModelNotConfigured_IsNotRetried()
    {
        var problem = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable)
        {
            Content = new StringContent("{\"type\":\"urn:evor:problem:llm-not-configured\",\"title\":\"No language model configured\"}", Encoding.UTF8, "application/problem+json"),
        };
        var stub = new StubHandler(problem, Ok());
        using var client = ServiceHttp.Create(new Uri("http://evor.test"), null, stub, baseDelay: TimeSpan.FromMilliseconds(1));

        using var response = await client.PostAsync("v1/generations", new StringContent("{}"), Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Single(stub.Calls);
        Assert.Contains("llm-not-configured", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_NetworkFailure_RetriedAFewTimesThenNamedWithTheService()
    {
        var stub = new StubHandler();
        using var client = new EvoRServiceClient(ServiceHttp.Create(new Uri("http://evor.test"), null, stub, baseDelay: TimeSpan.FromMilliseconds(1)));

        var error = await Assert.ThrowsAsync<BenchServiceException>(() => client.MethodsAsync(Ct));

        Assert.Equal(ServiceHttp.MaxNetworkRetries + 1, stub.Calls.Count);
        Assert.Contains("The EvoR service at http://evor.test/ cannot be reached", error.Message, StringComparison.Ordinal);
    }

    private static HttpResponseMessage Refused(HttpStatusCode status, TimeSpan retryAfter)
    {
        var response = new HttpResponseMessage(status) { Content = new StringContent("{\"title\":\"busy\"}", Encoding.UTF8, "application/problem+json") };
        response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(retryAfter);
        return response;
    }

    private static HttpResponseMessage Ok() => new(HttpStatusCode.OK) { Content = new StringContent("{\"object\":\"list\",\"data\":[]}") };

    /// <summary>Answers with the given responses in order; with none left, fails as a refused connection would.</summary>
    private sealed class StubHandler(params HttpResponseMessage[] responses) : HttpMessageHandler
    {
        private readonly Queue<HttpResponseMessage> _responses = new(responses);

        /// <summary>The Authorization header of every request.</summary>
        public List<string?> Calls { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (Calls)
            {
                Calls.Add(request.Headers.Authorization?.ToString());
                return _responses.TryDequeue(out var next)
                    ? Task.FromResult(next)
                    : Task.FromException<HttpResponseMessage>(new HttpRequestException("Connection refused (evor.test:80)"));
            }
        }
    }
}
