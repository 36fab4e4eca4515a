using System.Diagnostics;
using System.Net;
using EvoR.Llm.Chat;
using EvoR.Llm.Resilience;
using EvoR.Testing;
using Microsoft.Extensions.Time.Testing;

namespace EvoR.Llm.Tests.Resilience;

/// <summary>The named pipeline under the real connector, against the scripted server. Delays are kept small.</summary>
public sealed class LlmResilienceTests
{
    [Fact]
    public async Task GetChatMessageContentsAsync_429WithRetryAfter_WaitsThenSucceeds()
    {
        await using var server = await ScriptedOpenAiServer.StartAsync(TestContext.Current.CancellationToken);
        server.Fail(HttpStatusCode.TooManyRequests, retryAfter: TimeSpan.FromSeconds(1)).Reply("ok");
        using var services = LlmTestHost.Build(LlmTestHost.OpenAi(server, ("Llm:Resilience:RetryBaseDelayMs", "1")));

        var watch = Stopwatch.StartNew();
        var reply = await services.AskAsync("hi");
        watch.Stop();

        Assert.Equal("ok", reply.Content);
        Assert.Equal(2, server.Requests.Count);
        // The backoff alone would wait ~1 ms: waiting about a second is the server's Retry-After.
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(900), TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task GetChatMessageContentsAsync_RetryAfterBeyondMaxDelay_WaitsOnlyMaxDelay()
    {
        await using var server = await ScriptedOpenAiServer.StartAsync(TestContext.Current.CancellationToken);
        server.Fail(HttpStatusCode.TooManyRequests, retryAfter: TimeSpan.FromSeconds(120)).Reply("ok");
        using var services = LlmTestHost.Build(LlmTestHost.OpenAi(server, ("Llm:Resilience:MaxRetryDelayMs", "50")));

        var watch = Stopwatch.StartNew();
        var reply = await services.AskAsync("hi");

        Assert.Equal("ok", reply.Content);
        Assert.InRange(watch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task GetChatMessageContentsAsync_429OnEveryAttempt_FailsRateLimitedAfterBoundedRetries()
    {
        await using var server = await ScriptedOpenAiServer.StartAsync(TestContext.Current.CancellationToken);
        server.Fallback = _ => ScriptedStep.Error(HttpStatusCode.TooManyRequests);
        using var services = LlmTestHost.Build(LlmTestHost.OpenAi(server, ("Llm:Resilience:MaxRetryAttempts", "2")));

        var e = await Assert.ThrowsAsync<LlmCallFailedException>(() => services.AskAsync("hi"));

        Assert.Equal(LlmFailureKind.RateLimited, e.Kind);
        Assert.Equal(HttpStatusCode.TooManyRequests, e.StatusCode);
        Assert.True(e.IsTransient);
        Assert.Equal(3, server.Requests.Count);
    }

    [Fact]
    public async Task GetChatMessageContentsAsync_Repeated500s_OpenCircuitAndStopSending()
    {
        await using var server = await ScriptedOpenAiServer.StartAsync(TestContext.Current.CancellationToken);
        server.Fallback = _ => ScriptedStep.Error(HttpStatusCode.InternalServerError);
        using var services = LlmTestHost.Build(LlmTestHost.OpenAi(server,
            ("Llm:Resilience:MaxRetryAttempts", "0"),
            ("Llm:Resilience:BreakerMinimumThroughput", "2"),
            ("Llm:Resilience:BreakerFailureRatio", "0.5"),
            ("Llm:Resilience:BreakerBreakDurationMs", "60000")));

        var first = await Assert.ThrowsAsync<LlmCallFailedException>(() => services.AskAsync("1"));
        var second = await Assert.ThrowsAsync<LlmCallFailedException>(() => services.AskAsync("2"));
        var third = await Assert.ThrowsAsync<LlmCallFailedException>(() => services.AskAsync("3"));

        Assert.Equal([LlmFailureKind.ServerError, LlmFailureKind.ServerError, LlmFailureKind.CircuitOpen], [first.Kind, second.Kind, third.Kind]);
        Assert.Equal(2, server.Requests.Count);
    }

    [Fact]
    public async Task GetChatMessageContentsAsync_SlowerThanAttemptTimeout_FailsTimeout()
    {
        await using var server = await ScriptedOpenAiServer.StartAsync(TestContext.Current.CancellationToken);
        server.Reply("late", delay: TimeSpan.FromSeconds(60));
        using var services = LlmTestHost.Build(LlmTestHost.OpenAi(server,
            ("Llm:Resilience:MaxRetryAttempts", "0"),
            ("Llm:Resilience:AttemptTimeoutMs", "300")));

        var watch = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<LlmCallFailedException>(() => services.AskAsync("hi"));

        Assert.Equal(LlmFailureKind.Timeout, e.Kind);
        Assert.InRange(watch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task GetChatMessageContentsAsync_ManyParallelCalls_NeverExceedConcurrencyLimit()
    {
        await using var server = await ScriptedOpenAiServer.StartAsync(TestContext.Current.CancellationToken);
        server.Fallback = request => ScriptedStep.Reply("re: " + request.Messages[^1].Content, delay: TimeSpan.FromMilliseconds(250));
        using var services = LlmTestHost.Build(LlmTestHost.OpenAi(server, ("Llm:Resilience:MaxConcurrency", "2")));

        var replies = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => services.AskAsync($"q{i}")));

        Assert.Equal(Enumerable.Range(0, 6).Select(i => $"re: q{i}"), replies.Select(r => r.Content));
        Assert.Equal(6, server.Requests.Count);
        Assert.InRange(server.MaxInFlight, 1, 2);
    }

    [Fact]
    public async Task GetChatMessageContentsAsync_ConcurrencyLimitAndQueueFull_FailsOverloadedWithoutSending()
    {
        await using var server = await ScriptedOpenAiServer.StartAsync(TestContext.Current.CancellationToken);
        server.Reply("slow", delay: TimeSpan.FromSeconds(2)).Reply("never");
        using var services = LlmTestHost.Build(LlmTestHost.OpenAi(server,
            ("Llm:Resilience:MaxConcurrency", "1"),
            ("Llm:Resilience:QueueLimit", "0")));

        var slow = services.AskAsync("first");
        var deadline = Stopwatch.StartNew();
        while (server.Requests.Count == 0 && deadline.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        var e = await Assert.ThrowsAsync<LlmCallFailedException>(() => services.AskAsync("second"));

        Assert.Equal(LlmFailureKind.Overloaded, e.Kind);
        Assert.Equal("slow", (await slow).Content);
        Assert.Single(server.Requests);
    }

    [Theory]
    [InlineData("7", 7000)]
    [InlineData("0", 0)]
    [InlineData("Wed, 01 Jan 2031 00:00:30 GMT", 30000)]
    [InlineData("Wed, 01 Jan 2031 00:00:00 GMT", 0)]
    [InlineData(null, -1)]
    public void RetryAfter_Header_ParsesSecondsOrDate(string? header, int expectedMs)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2031, 1, 1, 0, 0, 0, TimeSpan.Zero));
        using var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        if (header is not null)
        {
            response.Headers.TryAddWithoutValidation("Retry-After", header);
        }

        var wait = LlmResilience.RetryAfter(response, time);

        Assert.Equal(expectedMs < 0 ? null : TimeSpan.FromMilliseconds(expectedMs), wait);
    }
}
