using System.Net.Http.Headers;
using System.Threading.RateLimiting;
using EvoR.Llm.Configuration;
using EvoR.Llm.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.RateLimiting;

namespace EvoR.Llm.Resilience;

/// <summary>
/// The HTTP client under the connectors and its named resilience pipeline (<see cref="PipelineName"/>). Outer to inner:
/// total timeout → retry (jittered exponential backoff; a <c>Retry-After</c> from the server wins, capped) → circuit
/// breaker → concurrency limit → attempt timeout. One pipeline instance per endpoint authority, so breaker state and
/// the concurrency limit are per endpoint. The connectors' own retries are switched off: this pipeline is the only one.
/// </summary>
public static class LlmResilience
{
    /// <summary>The named HTTP client the connectors use.</summary>
    public const string HttpClientName = "EvoR.Llm";

    /// <summary>The named resilience pipeline on that client.</summary>
    public const string PipelineName = "evor-llm";

    /// <summary>Registers the named client with its pipeline, reading <c>Llm:Resilience</c>.</summary>
    public static IHttpClientBuilder AddLlmHttpClient(this IServiceCollection services)
    {
        var client = services.AddHttpClient(HttpClientName)
            // The pipeline owns every time limit; HttpClient's own 100 s would cut long generations short.
            .ConfigureHttpClient(c => c.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
            // The provider keeps one client for its lifetime; SocketsHttpHandler recycles connections (DNS changes) itself.
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan);

        client.AddResilienceHandler(PipelineName, static (builder, context) =>
        {
            var options = context.ServiceProvider.GetRequiredService<IOptions<LlmOptions>>().Value.Resilience;
            var logger = context.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(LlmResilience).FullName!);
            var telemetry = context.ServiceProvider.GetRequiredService<LlmTelemetry>();
            var timeProvider = context.ServiceProvider.GetService<TimeProvider>() ?? TimeProvider.System;
            Configure(builder, options, context.InstanceName, logger, telemetry, timeProvider);
        }).SelectPipelineByAuthority();

        return client;
    }

    internal static void Configure(ResiliencePipelineBuilder<HttpResponseMessage> builder, LlmResilienceOptions options, string authority,
        ILogger logger, LlmTelemetry telemetry, TimeProvider timeProvider)
    {
        var maxDelay = TimeSpan.FromMilliseconds(options.MaxRetryDelayMs);
        builder.AddTimeout(TimeSpan.FromMilliseconds(options.TotalTimeoutMs));

        if (options.MaxRetryAttempts > 0)
        {
            builder.AddRetry(new HttpRetryStrategyOptions
            {
                Name = "retry",
                MaxRetryAttempts = options.MaxRetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(options.RetryBaseDelayMs),
                MaxDelay = maxDelay,
                // Our own generator below reads Retry-After and caps it; switch the built-in one off first.
                ShouldRetryAfterHeader = false,
                DelayGenerator = args => ValueTask.FromResult(RetryAfter(args.Outcome.Result, timeProvider) is { } wait
                    ? (TimeSpan?)(wait > maxDelay ? maxDelay : wait)
                    : null),
                OnRetry = args =>
                {
                    var outcome = Describe(args.Outcome);
                    telemetry.RecordRetry(authority, outcome);
                    Log.Retrying(logger, authority, args.AttemptNumber + 1, (long)args.RetryDelay.TotalMilliseconds, outcome);
                    return ValueTask.CompletedTask;
                },
            });
        }

        builder.AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
        {
            Name = "circuit-breaker",
            FailureRatio = options.BreakerFailureRatio,
            MinimumThroughput = options.BreakerMinimumThroughput,
            SamplingDuration = TimeSpan.FromMilliseconds(options.BreakerSamplingDurationMs),
            BreakDuration = TimeSpan.FromMilliseconds(options.BreakerBreakDurationMs),
            OnOpened = args =>
            {
                Log.CircuitOpened(logger, authority, (long)args.BreakDuration.TotalMilliseconds, Describe(args.Outcome));
                return ValueTask.CompletedTask;
            },
            OnClosed = _ =>
            {
                Log.CircuitClosed(logger, authority);
                return ValueTask.CompletedTask;
            },
        });

        builder.AddRateLimiter(new RateLimiterStrategyOptions
        {
            Name = "concurrency",
            DefaultRateLimiterOptions = new ConcurrencyLimiterOptions
            {
                PermitLimit = options.MaxConcurrency,
                QueueLimit = options.QueueLimit,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            },
            OnRejected = _ =>
            {
                Log.ConcurrencyRejected(logger, authority, options.QueueLimit);
                return ValueTask.CompletedTask;
            },
        });

        builder.AddTimeout(TimeSpan.FromMilliseconds(options.AttemptTimeoutMs));
    }

    /// <summary>The wait a response's <c>Retry-After</c> asks for (seconds or an HTTP date), or null.</summary>
    internal static TimeSpan? RetryAfter(HttpResponseMessage? response, TimeProvider timeProvider)
    {
        if (response?.Headers.RetryAfter is not RetryConditionHeaderValue header)
        {
            return null;
        }

        if (header.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }

        if (header.Date is { } date)
        {
            var wait = date - timeProvider.GetUtcNow();
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }

        return null;
    }

    private static string Describe(Outcome<HttpResponseMessage> outcome) =>
        outcome.Exception is { } e ? e.GetType().Name : $"HTTP {(int)outcome.Result!.StatusCode}";
}
