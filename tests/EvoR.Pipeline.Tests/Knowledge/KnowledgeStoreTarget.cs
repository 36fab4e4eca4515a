using EvoR.Pipeline.Knowledge;
using EvoR.Pipeline.Knowledge.Sources;
using Npgsql;

namespace EvoR.Pipeline.Tests.Knowledge;

/// <summary>
/// A fresh, empty PostgreSQL database on the server named by <c>EVOR_TEST_POSTGRES</c> (a connection string), dropped
/// on dispose. Where the variable is unset or the server unreachable the test skips with the reason; with
/// <c>EVOR_REQUIRE_POSTGRES=1</c> it fails instead, so a broken database cannot pass as a skip.
/// </summary>
internal sealed class PostgresTestDatabase : IAsyncDisposable
{
    private readonly string _server;

    private PostgresTestDatabase(string server, string name)
    {
        _server = server;
        Name = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
    }

    public string Name { get; }

    public string ConnectionString { get; }

    public static async Task<PostgresTestDatabase> CreateAsync(CancellationToken cancellationToken)
    {
        var server = Environment.GetEnvironmentVariable("EVOR_TEST_POSTGRES");
        if (string.IsNullOrWhiteSpace(server))
        {
            Unavailable("EVOR_TEST_POSTGRES (a PostgreSQL connection string) is not set");
        }

        var name = "evor_kb_test_" + Guid.NewGuid().ToString("N")[..12];
        try
        {
            await using var connection = new NpgsqlConnection(server);
            await connection.OpenAsync(cancellationToken);
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is NpgsqlException or ArgumentException or System.Net.Sockets.SocketException or TimeoutException)
        {
            Unavailable($"PostgreSQL at EVOR_TEST_POSTGRES is unreachable: {ex.Message}");
        }

        return new PostgresTestDatabase(server!, name);
    }

    /// <summary>A source on this database (each store owns and disposes its own).</summary>
    public PostgresDocumentSource Source() => new(NpgsqlDataSource.Create(ConnectionString));

    public async ValueTask DisposeAsync()
    {
        await using var connection = new NpgsqlConnection(_server);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }

    private static void Unavailable(string reason)
    {
        if (Environment.GetEnvironmentVariable("EVOR_REQUIRE_POSTGRES") == "1")
        {
            throw new InvalidOperationException($"EVOR_REQUIRE_POSTGRES=1 but {reason}.");
        }

        Assert.Skip($"PostgreSQL tests skipped: {reason}.");
    }
}

/// <summary>
/// A store on one of the two document sources, for contract tests that must hold on both: <c>local</c> (folders) or
/// <c>postgres</c> (a fresh database; the store is a replica with its own index folder).
/// </summary>
internal sealed class KnowledgeStoreTarget : IAsyncDisposable
{
    private readonly EvoR.Pipeline.Embeddings.ITextEmbedder? _embedder;
    private readonly Action<KnowledgeOptions>? _knowledge;
    private readonly PostgresTestDatabase? _database;
    private readonly TempDirectory _root = new();

    private KnowledgeStoreTarget(string source, EvoR.Pipeline.Embeddings.ITextEmbedder? embedder, Action<KnowledgeOptions>? knowledge, PostgresTestDatabase? database)
    {
        SourceName = source;
        _embedder = embedder;
        _knowledge = knowledge;
        _database = database;
        Store = NewStore(_root.Path);
    }

    public string SourceName { get; }

    public KnowledgeBaseStore Store { get; private set; }

    public string Root => _root.Path;

    public PostgresTestDatabase? Database => _database;

    public static async Task<KnowledgeStoreTarget> CreateAsync(string source, EvoR.Pipeline.Embeddings.ITextEmbedder? embedder, CancellationToken cancellationToken, Action<KnowledgeOptions>? knowledge = null)
    {
        var database = source == "postgres" ? await PostgresTestDatabase.CreateAsync(cancellationToken) : null;
        return new KnowledgeStoreTarget(source, embedder, knowledge, database);
    }

    /// <summary>Closes the store and opens a new one on the same folder (and database).</summary>
    public async Task ReopenAsync()
    {
        await Store.DisposeAsync();
        Store = NewStore(_root.Path);
    }

    /// <summary>A store on <paramref name="root"/> with this target's source (another replica for postgres).</summary>
    public KnowledgeBaseStore NewStore(string root) =>
        TestServices.CreateStore(root, _embedder, k =>
        {
            k.FollowInterval = TimeSpan.FromMilliseconds(200);
            _knowledge?.Invoke(k);
        }, source: _database?.Source());

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }

        _root.Dispose();
    }
}
