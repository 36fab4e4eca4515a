using EvoR.Api.Generations;
using EvoR.Api.Generations.Postgres;
using EvoR.Api.Tests.Support;
using EvoR.Pipeline.Generation;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace EvoR.Api.Tests.Generations.Postgres;

/// <summary>A store of each kind, initialised, on storage of its own (a temporary file, or a throwaway database),
/// for the tests every store must pass.</summary>
internal sealed class StoreUnderTest : IAsyncDisposable
{
    private readonly Func<ValueTask> _dispose;

    private StoreUnderTest(IGenerationStore store, Func<ValueTask> dispose)
    {
        Store = store;
        _dispose = dispose;
    }

    public IGenerationStore Store { get; }

    public static TheoryData<string> Kinds => ["sqlite", "postgres"];

    public static async Task<StoreUnderTest> CreateAsync(string kind, TimeProvider? time = null)
    {
        time ??= TimeProvider.System;
        if (kind == "sqlite")
        {
            var folder = Directory.CreateTempSubdirectory("evor-store-").FullName;
            var sqlite = new SqliteGenerationStore(Options.Create(new GenerationOptions { DatabasePath = Path.Combine(folder, "generations.db") }),
                new FolderEnvironment(folder), time);
            await sqlite.InitializeAsync(Http.Ct);
            return new StoreUnderTest(sqlite, () =>
            {
                sqlite.Dispose();
                ApiFactory.DeleteFolder(folder);
                return ValueTask.CompletedTask;
            });
        }

        var database = await PostgresTestDatabase.CreateAsync();
        var replica = Replica(database.ConnectionString);
        var store = new PostgresGenerationStore(replica, time);
        await store.InitializeAsync(Http.Ct);
        return new StoreUnderTest(store, async () =>
        {
            await replica.DisposeAsync();
            await database.DisposeAsync();
        });
    }

    /// <summary>One replica's connection to the database (its own pool and replica id).</summary>
    public static PostgresGenerationDatabase Replica(string connectionString, int leaseSeconds = 30) => new(
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:EvoR"] = connectionString }).Build(),
        Options.Create(new GenerationOptions { Store = "postgres", Postgres = new GenerationPostgresOptions { LeaseSeconds = leaseSeconds } }));

    public ValueTask DisposeAsync() => _dispose();

    public static GenerationJobRecord Job(string id, DateTimeOffset? createdAt = null, string? owner = null, string method = "vanilla") => new()
    {
        Id = id,
        Status = GenerationStatus.Queued,
        Owner = owner,
        // Whole milliseconds: the same in every store.
        CreatedAt = createdAt ?? DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()),
        Spec = new GenerationJobSpec
        {
            Description = "Write get_value(bucket, key).",
            Language = "python",
            CodeContext = Fixtures.CodeContext,
            Style = ProgramStyle.Function,
            Method = method,
            TimeBudgetSeconds = 60,
            TokenBudget = 10_000,
        },
    };

    private sealed class FolderEnvironment(string root) : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = "Test";
        public string ApplicationName { get; set; } = "EvoR.Api.Tests";
        public string ContentRootPath { get; set; } = root;
        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
    }
}
