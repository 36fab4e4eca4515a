using System.Net;
using System.Net.Sockets;
using EvoR.Api.Generations;
using EvoR.Api.Health;
using EvoR.Api.Tests.Generations.Postgres;
using EvoR.Api.Tests.Support;
using EvoR.Pipeline.Knowledge;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Npgsql;

namespace EvoR.Api.Tests.Health;

/// <summary><c>/health/ready</c> checks PostgreSQL when a store uses it (<c>Generations:Store</c> or
/// <c>Knowledge:Store</c> <c>postgres</c>), and is not ready, saying why, when it does not answer.</summary>
public sealed class PostgresReadinessTests
{
    private static PostgresReadinessProbe Probe(string? connectionString, string generations = "sqlite", string knowledge = "local") =>
        new(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:EvoR"] = connectionString }).Build(),
            Options.Create(new GenerationOptions { Store = generations }), Options.Create(new KnowledgeOptions { Store = knowledge }));

    [Fact]
    public async Task CheckAsync_NoStoreOnPostgres_NotChecked()
    {
        await using var probe = Probe("Host=127.0.0.1;Port=1");

        Assert.Null(await probe.CheckAsync(Http.Ct));
    }

    [Theory]
    [InlineData("postgres", "local", "Generations:Store=postgres")]
    [InlineData("sqlite", "postgres", "Knowledge:Store=postgres")]
    [InlineData("postgres", "postgres", "Generations:Store and Knowledge:Store=postgres")]
    public async Task CheckAsync_ServerDoesNotAnswer_NotHealthyWithTheReason(string generations, string knowledge, string named)
    {
        await using var probe = Probe($"Host=127.0.0.1;Port={ClosedPort()};Timeout=3", generations, knowledge);

        var check = await probe.CheckAsync(Http.Ct);

        Assert.NotNull(check);
        Assert.False(check.Healthy);
        Assert.StartsWith($"PostgreSQL does not answer ({named}): ", check.Message);
    }

    [Fact]
    public async Task GetReady_GenerationsOnPostgres_ReadyWhileItAnswers_NotReadyOnceItStops()
    {
        await using var database = await PostgresTestDatabase.CreateAsync();
        using var factory = new ApiFactory(new Dictionary<string, string?>
        {
            ["Health:ProbeIntervalSeconds"] = "1",
            ["Embeddings:Enabled"] = "false",
            ["Generations:Store"] = "postgres",
            ["ConnectionStrings:EvoR"] = database.ConnectionString,
        });
        using var client = factory.CreateClient();

        var ready = await client.GetAsync("/health/ready", Http.Ct);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        var check = (await ready.ReadJsonAsync()).GetProperty("database");
        Assert.True(check.GetProperty("healthy").GetBoolean());

        // The database goes away (its connections are ended with it): the next probe says so.
        await DropAsync(database.Name);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        HttpResponseMessage response;
        do
        {
            await Task.Delay(200, Http.Ct);
            response = await client.GetAsync("/health/ready", Http.Ct);
        }
        while (response.StatusCode == HttpStatusCode.OK && DateTime.UtcNow < deadline);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var body = await response.ReadJsonAsync();
        Assert.False(body.GetProperty("ready").GetBoolean());
        Assert.False(body.GetProperty("database").GetProperty("healthy").GetBoolean());
        Assert.StartsWith("PostgreSQL does not answer (Generations:Store=postgres): ", body.GetProperty("database").GetProperty("message").GetString());
    }

    private static async Task DropAsync(string name)
    {
        await using var connection = new NpgsqlConnection(Environment.GetEnvironmentVariable(PostgresTestDatabase.Variable));
        await connection.OpenAsync(Http.Ct);
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE);", connection);
        await drop.ExecuteNonQueryAsync(Http.Ct);
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
