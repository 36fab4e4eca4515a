using System.Net;
using System.Net.Sockets;
using EvoR.Api.Tests.Support;
using EvoR.Sandbox;
using EvoR.Testing;

namespace EvoR.Api.Tests.Health;

/// <summary>The background probe behind /health, /health/live and /health/ready.</summary>
public sealed class HealthMonitorTests
{
    private static ApiFactory Factory(Dictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?> { ["Health:ProbeIntervalSeconds"] = "1", ["Embeddings:Enabled"] = "false" };
        foreach (var (k, v) in settings ?? [])
        {
            all[k] = v;
        }

        return new ApiFactory(all);
    }

    [Theory]
    [InlineData("/health")]
    [InlineData("/health/ready")]
    public async Task Get_WhileAProbeHangs_AnswersAtOnceWithTheLastResult(string path)
    {
        using var factory = Factory();
        using var client = factory.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(path, Http.Ct)).StatusCode);

        factory.Health.Hang = true;
        var before = factory.Health.Calls;
        await Eventually.HoldsAsync(() => factory.Health.Calls > before, "the next probe started (and hangs)", TimeSpan.FromSeconds(20), Http.Ct);
        var finished = factory.Services.GetHealthMonitorProbes();
        var response = await client.GetAsync(path, Http.Ct);

        // Answered while that probe still hangs (it hangs until its 30 s probe timeout): it never waited for it.
        // Counting finished probes rather than timing the request keeps this true on a loaded machine.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(finished, factory.Services.GetHealthMonitorProbes());
    }

    [Fact]
    public async Task Get_ClientsGiveUpDuringTheFirstProbe_ProbeFinishesOnceAndIsServed()
    {
        using var factory = Factory(new() { ["Health:ProbeIntervalSeconds"] = "3600" });
        factory.Health.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var client = factory.CreateClient();

        for (var i = 0; i < 3; i++)
        {
            using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(Http.Ct);
            giveUp.CancelAfter(TimeSpan.FromMilliseconds(200));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetAsync("/health", giveUp.Token));
        }

        factory.Health.Gate.SetResult();
        await Eventually.HoldsAsync(() => factory.Services.GetHealthMonitorProbes() > 0, "the first probe finished", TimeSpan.FromSeconds(20), Http.Ct);
        var response = await client.GetAsync("/health", Http.Ct);

        // Served from that one probe: no request started another.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, factory.Health.Calls);
    }

    [Fact]
    public async Task Live_FirstProbeHangs_AnswersInstantly()
    {
        using var factory = Factory();
        factory.Health.Hang = true;
        using var client = factory.CreateClient();

        var response = await client.GetAsync("/health/live", Http.Ct);

        // Answered while the first probe still hangs: liveness never waits for a probe.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("live", (await response.ReadJsonAsync()).GetProperty("status").GetString());
        Assert.Equal(0, factory.Services.GetHealthMonitorProbes());
    }

    [Fact]
    public async Task Ready_LlmEndpointOnAClosedPort_503Unreachable()
    {
        var endpoint = $"http://127.0.0.1:{ClosedPort()}/v1";
        using var factory = Factory(new() { ["Llm:Provider"] = "openai", ["Llm:Endpoint"] = endpoint, ["Llm:Model"] = "m" });
        using var client = factory.CreateClient();

        var response = await client.GetAsync("/health/ready", Http.Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var ready = await response.ReadJsonAsync();
        Assert.False(ready.GetProperty("ready").GetBoolean());
        Assert.True(ready.GetProperty("sandbox").GetProperty("healthy").GetBoolean());
        Assert.Equal("unreachable", ready.GetProperty("llm").GetProperty("status").GetString());
        Assert.Equal(endpoint, ready.GetProperty("llm").GetProperty("endpoint").GetString());
        Assert.Contains(factory.Logs.GetSnapshot(), r => r.Message.StartsWith($"LLM endpoint {endpoint} unreachable: ", StringComparison.Ordinal));
        // /health is the sandbox's alone: still 200.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health", Http.Ct)).StatusCode);
    }

    [Fact]
    public async Task Ready_LlmAnswersItsModelsList_200AnsweredWithoutSpendingTokens()
    {
        await using var llm = await ModelsListServer.StartAsync();
        using var factory = Factory(new() { ["Llm:Provider"] = "openai", ["Llm:Endpoint"] = llm.BaseUrl.ToString(), ["Llm:Model"] = "test-model" });
        using var client = factory.CreateClient();

        var response = await client.GetAsync("/health/ready", Http.Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var ready = await response.ReadJsonAsync();
        Assert.True(ready.GetProperty("ready").GetBoolean());
        Assert.Equal("answered", ready.GetProperty("llm").GetProperty("status").GetString());
        Assert.All(llm.Requests, r => Assert.Equal("GET /v1/models", r));
        Assert.NotEmpty(llm.Requests);
        Assert.Contains(factory.Logs.GetSnapshot(),
            r => r.Message.StartsWith($"LLM endpoint {llm.BaseUrl.ToString().TrimEnd('/')} answered (models list)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Ready_NoLlmConfigured_200AndTheLogSaysSo()
    {
        using var factory = Factory();
        using var client = factory.CreateClient();

        var response = await client.GetAsync("/health/ready", Http.Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("not-configured", (await response.ReadJsonAsync()).GetProperty("llm").GetProperty("status").GetString());
        Assert.Contains(factory.Logs.GetSnapshot(), r => r.Message.StartsWith("No LLM configured", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Ready_SandboxUnhealthy_503()
    {
        using var factory = Factory();
        factory.Health.Report = new SandboxHealthReport { Backend = "fake", Healthy = false, Message = "bwrap missing" };
        using var client = factory.CreateClient();

        var response = await client.GetAsync("/health/ready", Http.Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var ready = await response.ReadJsonAsync();
        Assert.Equal("bwrap missing", ready.GetProperty("sandbox").GetProperty("message").GetString());
        Assert.True(ready.GetProperty("knowledge").GetProperty("healthy").GetBoolean());
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

internal static class HealthMonitorAccess
{
    public static int GetHealthMonitorProbes(this IServiceProvider services) =>
        Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<EvoR.Api.Health.HealthMonitor>(services).Probes;
}
