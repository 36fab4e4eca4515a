using EvoR.Api.Tests.Support;
using Npgsql;

namespace EvoR.Api.Tests.Generations.Postgres;

/// <summary>
/// A throwaway database on the PostgreSQL server that <c>EVOR_TEST_POSTGRES</c> names (a connection string whose
/// user may create databases; <c>./evor.sh test</c> starts a cluster for the run and sets it), dropped on disposal.
/// Where none is set or it does not answer, the calling test skips saying why; with <c>EVOR_REQUIRE_POSTGRES=1</c> (CI)
/// it fails instead.
/// </summary>
internal sealed class PostgresTestDatabase : IAsyncDisposable
{
    public const string Variable = "EVOR_TEST_POSTGRES";

    private static readonly Lazy<Task<string?>> Unavailable = new(ProbeAsync);

    private readonly string _server;

    private PostgresTestDatabase(string server, string name)
    {
        _server = server;
        Name = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
    }

    public string Name { get; }

    /// <summary>The connection string of this database (what <c>ConnectionStrings:EvoR</c> is set to).</summary>
    public string ConnectionString { get; }

    public static async Task<PostgresTestDatabase> CreateAsync()
    {
        await SkipIfUnavailableAsync();
        var server = Environment.GetEnvironmentVariable(Variable)!;
        var name = "evor_test_" + Guid.NewGuid().ToString("N")[..12];
        await using (var connection = new NpgsqlConnection(server))
        {
            await connection.OpenAsync(Http.Ct);
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name};", connection);
            await create.ExecuteNonQueryAsync(Http.Ct);
        }

        return new PostgresTestDatabase(server, name);
    }

    public static async Task SkipIfUnavailableAsync()
    {
        if (await Unavailable.Value is not { } reason)
        {
            return;
        }

        if (Environment.GetEnvironmentVariable("EVOR_REQUIRE_POSTGRES") == "1")
        {
            Assert.Fail($"EVOR_REQUIRE_POSTGRES=1 but no PostgreSQL can be used: {reason}");
        }

        Assert.Skip(reason);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(_server);
        await connection.OpenAsync(CancellationToken.None);
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE);", connection);
        await drop.ExecuteNonQueryAsync(CancellationToken.None);
    }

    private static async Task<string?> ProbeAsync()
    {
        var server = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(server))
        {
            return $"{Variable} is not set (a PostgreSQL connection string; ./evor.sh test starts a server and sets it)";
        }

        try
        {
            await using var connection = new NpgsqlConnection(server);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await connection.OpenAsync(timeout.Token);
            return null;
        }
        catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException or ArgumentException or TimeoutException)
        {
            return $"PostgreSQL at {Variable} does not answer: {ex.Message}";
        }
    }
}
