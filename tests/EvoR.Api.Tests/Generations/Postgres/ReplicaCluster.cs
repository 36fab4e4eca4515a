using System.Text.RegularExpressions;
using EvoR.Api.Tests.Support;
using EvoR.Testing;

namespace EvoR.Api.Tests.Generations.Postgres;

/// <summary>
/// Replicas of the built service as real processes (<see cref="ServiceProcess"/>), each on its own port, all on one
/// throwaway PostgreSQL database (<c>Generations:Store=postgres</c>) and one scripted OpenAI-compatible server in
/// this process (its replies are scripted, never a model's). Disposing a replica kills it with SIGKILL.
/// </summary>
internal sealed partial class ReplicaCluster : IAsyncDisposable
{
    private readonly List<ServiceProcess> _replicas = [];

    private ReplicaCluster(PostgresTestDatabase database, ScriptedOpenAiServer server, ScriptedCoder coder)
    {
        Database = database;
        Server = server;
        Coder = coder;
    }

    public PostgresTestDatabase Database { get; }
    public ScriptedOpenAiServer Server { get; }
    public ScriptedCoder Coder { get; }

    public static async Task<ReplicaCluster> CreateAsync()
    {
        var database = await PostgresTestDatabase.CreateAsync();
        var server = await ScriptedOpenAiServer.StartAsync(Http.Ct);
        var coder = new ScriptedCoder();
        server.Fallback = coder.Respond;
        return new ReplicaCluster(database, server, coder);
    }

    /// <summary>Starts a replica and waits until it listens; returns it with a client of its own.</summary>
    public async Task<(ServiceProcess Process, HttpClient Client)> StartReplicaAsync(int workers = 2, int leaseSeconds = 3)
    {
        var replica = ServiceProcess.Start(new Dictionary<string, string?>
        {
            ["Generations:Store"] = "postgres",
            // Each replica's pool within the server's connection limit (PostgreSQL's default is 100 in all).
            ["ConnectionStrings:EvoR"] = new Npgsql.NpgsqlConnectionStringBuilder(Database.ConnectionString) { MaxPoolSize = 20 }.ConnectionString,
            ["Generations:Workers"] = workers.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Generations:QueueLimit"] = "1000",
            ["Generations:Postgres:LeaseSeconds"] = leaseSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Generations:Postgres:PollSeconds"] = "1",
            ["Llm:Provider"] = "openai",
            ["Llm:Endpoint"] = Server.BaseUrl.ToString(),
            ["Llm:Model"] = "test-model",
            ["Llm:Resilience:MaxRetryAttempts"] = "0",
            ["RateLimiting:Enabled"] = "false",
        });
        _replicas.Add(replica);
        await replica.WaitListeningAsync(TimeSpan.FromSeconds(120));
        return (replica, new HttpClient { BaseAddress = replica.BaseAddress, Timeout = TimeSpan.FromSeconds(100) });
    }

    /// <summary>kill -9: <see cref="ServiceProcess.DisposeAsync"/> kills with SIGKILL (no clean stop, leases kept).</summary>
    public async Task KillAsync(ServiceProcess replica)
    {
        _replicas.Remove(replica);
        await replica.DisposeAsync();
    }

    /// <summary>The jobs a replica started, from its log (event 1202), in order.</summary>
    public static IReadOnlyList<string> Started(ServiceProcess replica) =>
        [.. StartedLine().Matches(replica.Output).Select(m => m.Groups[1].Value)];

    public async ValueTask DisposeAsync()
    {
        foreach (var replica in _replicas)
        {
            await replica.DisposeAsync();
        }

        await Server.DisposeAsync();
        await Database.DisposeAsync();
    }

    [GeneratedRegex(@"Generation (gen_[0-9a-f]+) started")]
    private static partial Regex StartedLine();
}
