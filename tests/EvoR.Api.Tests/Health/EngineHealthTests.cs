using System.Net;
using EvoR.Api.Tests.Support;

namespace EvoR.Api.Tests.Health;

/// <summary><c>/health</c>, <c>/health/ready</c> and <c>/metrics</c> show each Docker engine of a fleet
/// (<c>Sandbox:Docker:Engines</c>): endpoint, breaker state, runs in flight, capacity and failures.</summary>
public sealed class EngineHealthTests
{
    private static readonly string Missing = Path.Combine(Path.GetTempPath(), "evor-no-engine-" + Guid.NewGuid().ToString("N"));

    private static ApiFactory Fleet() => new(new Dictionary<string, string?>
    {
        ["Embeddings:Enabled"] = "false",
        ["Sandbox:Backend"] = "docker",
        // Sockets that nothing listens on: the engines are built (nothing is asked of them until a run) and shown.
        ["Sandbox:Docker:Engines:0:Endpoint"] = $"unix://{Missing}-a.sock",
        ["Sandbox:Docker:Engines:0:Capacity"] = "3",
        ["Sandbox:Docker:Engines:1:Endpoint"] = $"unix://{Missing}-b.sock",
    });

    [Theory]
    [InlineData("/health")]
    [InlineData("/health/ready")]
    public async Task Get_DockerFleet_ShowsEachEngine(string path)
    {
        using var factory = Fleet();
        using var client = factory.CreateClient();

        var body = await (await client.GetAsync(path, Http.Ct)).ReadJsonAsync();

        var sandbox = path == "/health" ? body : body.GetProperty("sandbox");
        var engines = sandbox.GetProperty("engines").EnumerateArray().ToList();
        Assert.Equal([$"unix://{Missing}-a.sock", $"unix://{Missing}-b.sock"], engines.Select(e => e.GetProperty("endpoint").GetString()));
        Assert.Equal([3, 2], engines.Select(e => e.GetProperty("capacity").GetInt32()));
        Assert.All(engines, e =>
        {
            Assert.Equal("closed", e.GetProperty("state").GetString());
            Assert.Equal(0, e.GetProperty("inFlight").GetInt32());
            Assert.Equal(0, e.GetProperty("consecutiveFailures").GetInt32());
            Assert.Equal(0, e.GetProperty("failures").GetInt64());
        });
    }

    [Fact]
    public async Task Get_ProcessBackend_NoEngines()
    {
        using var factory = new ApiFactory(new Dictionary<string, string?> { ["Embeddings:Enabled"] = "false" });
        using var client = factory.CreateClient();

        var body = await (await client.GetAsync("/health", Http.Ct)).ReadJsonAsync();

        Assert.False(body.TryGetProperty("engines", out var engines) && engines.ValueKind != System.Text.Json.JsonValueKind.Null);
    }

    [Fact]
    public async Task Get_Metrics_DockerFleet_LabelledGaugesPerEngine()
    {
        using var factory = Fleet();
        using var client = factory.CreateClient();
        // The fleet is made with the first request that needs it.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health", Http.Ct)).StatusCode);

        var text = await (await client.GetAsync("/metrics", Http.Ct)).Content.ReadAsStringAsync(Http.Ct);

        var lines = text.Split('\n');
        Assert.Contains(lines, l => l.StartsWith("evor_sandbox_engine_capacity", StringComparison.Ordinal)
            && l.Contains($"evor_engine=\"unix://{Missing}-a.sock\"", StringComparison.Ordinal) && l.TrimEnd().EndsWith(" 3", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("evor_sandbox_engine_state", StringComparison.Ordinal)
            && l.Contains($"evor_engine=\"unix://{Missing}-b.sock\"", StringComparison.Ordinal) && l.TrimEnd().EndsWith(" 0", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("evor_sandbox_engine_in_flight", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("evor_sandbox_engine_consecutive_failures", StringComparison.Ordinal));
    }
}
