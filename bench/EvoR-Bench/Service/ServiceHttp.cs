using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace EvoR.Bench.Service;

/// <summary>
/// The HTTP client of <c>run --service</c>: the API key as a bearer token, no client-side timeout (a job's event
/// stream stays open for as long as the job runs; the service sends heartbeats), and a retry pipeline
/// (Microsoft.Extensions.Http.Resilience) for what a busy or restarting service answers: 429 and 503 wait for
/// <c>Retry-After</c> when it is given (else an exponential back-off), as do 502, 504 and transient network errors.
/// A 503 <c>llm-not-configured</c> is not retried: waiting does not configure a model.
/// </summary>
internal static class ServiceHttp
{
    /// <summary>Retries of a 429 or 503 (each after its <c>Retry-After</c>).</summary>
    public const int MaxRetryAttempts = 8;

    /// <summary>Retries of a network failure (about 1.4 s in all): enough for a restart's moment, short for a service that is down.</summary>
    public const int MaxNetworkRetries = 3;

    /// <summary>A client for <paramref name="baseUrl"/>; <paramref name="primary"/> replaces the socket handler (tests).</summary>
    public static HttpClient Create(Uri baseUrl, string? apiKey, HttpMessageHandler? primary = null, TimeSpan? baseDelay = null)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        var pipeline = new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = MaxRetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = baseDelay ?? TimeSpan.FromMilliseconds(200),
                MaxDelay = TimeSpan.FromSeconds(30),
                ShouldRetryAfterHeader = true,
                ShouldHandle = args => ShouldRetryAsync(args.Outcome, args.AttemptNumber),
            })
            .Build();
        var handler = new ResilienceHandler(pipeline)
        {
            InnerHandler = primary ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), MaxConnectionsPerServer = 1024 },
        };
        var client = new HttpClient(handler) { BaseAddress = WithSlash(baseUrl), Timeout = Timeout.InfiniteTimeSpan };
        if (!string.IsNullOrEmpty(apiKey))
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        return client;
    }

    private static async ValueTask<bool> ShouldRetryAsync(Outcome<HttpResponseMessage> outcome, int attempt)
    {
        if (outcome.Exception is { } ex)
        {
            // Connection refused or reset, a name that does not resolve yet: the network, not the request.
            return ex is HttpRequestException or IOException && attempt < MaxNetworkRetries;
        }

        var response = outcome.Result!;
        switch (response.StatusCode)
        {
            case HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway or HttpStatusCode.GatewayTimeout or HttpStatusCode.RequestTimeout:
                return true;
            case HttpStatusCode.ServiceUnavailable:
                if (response.Headers.RetryAfter is not null)
                {
                    return true;
                }

                // Buffered, so the caller can still read the problem.
                var body = await response.Content.ReadAsStringAsync();
                return !body.Contains("llm-not-configured", StringComparison.Ordinal);
            default:
                return false;
        }
    }

    private static Uri WithSlash(Uri url) => url.AbsoluteUri.EndsWith('/') ? url : new Uri(url.AbsoluteUri + "/");
}
