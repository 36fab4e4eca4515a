using EvoR.Pipeline.Knowledge;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;

namespace EvoR.Pipeline.Tests.Knowledge;

/// <summary><c>Knowledge:Store</c> in the pipeline's registration: local by default, postgres with <c>ConnectionStrings:EvoR</c>.</summary>
public sealed class KnowledgeStoreRegistrationTests
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    private static ServiceProvider Build(Dictionary<string, string?> settings) =>
        new ServiceCollection()
            .AddLogging()
            .AddEvoRKnowledge(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
            .BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });

    [Fact]
    public void AddEvoRKnowledge_PostgresWithoutConnectionString_RefusesInOneLine()
    {
        using var dir = new TempDirectory();
        using var services = Build(new() { ["Knowledge:RootPath"] = dir.Path, ["Knowledge:Store"] = "postgres" });

        var ex = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<KnowledgeOptions>>().Value);

        var failure = Assert.Single(ex.Failures);
        Assert.Equal("Knowledge:Store=postgres needs a PostgreSQL connection string in ConnectionStrings:EvoR; none is set.", failure);
    }

    [Theory]
    [InlineData("Knowledge:Store", "mongo")]
    [InlineData("Knowledge:FollowInterval", "00:00:00.001")]
    [InlineData("Knowledge:FollowInterval", "00:05:00")]
    public void AddEvoRKnowledge_InvalidStoreOption_FailsValidation(string key, string value)
    {
        using var services = Build(new() { [key] = value, ["ConnectionStrings:EvoR"] = "Host=127.0.0.1" });

        Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<KnowledgeOptions>>().Value);
    }

    [Fact]
    public async Task AddEvoRKnowledge_Default_IsLocalAndWritesNoDatabase()
    {
        using var dir = new TempDirectory();
        using var services = Build(new() { ["Knowledge:RootPath"] = dir.Path, ["Embeddings:Enabled"] = "false" });

        await services.GetRequiredService<IKnowledgeBaseStore>().CreateAsync("kb", cancellationToken: Ct);

        Assert.Equal("local", services.GetRequiredService<IOptions<KnowledgeOptions>>().Value.Store);
        Assert.True(File.Exists(Path.Combine(dir.Path, "kb", "base.json")));
    }

    [Fact]
    public async Task AddEvoRKnowledge_Postgres_HostStartsTheReplicaAndDocumentsLiveInTheDatabase()
    {
        await using var database = await PostgresTestDatabase.CreateAsync(Ct);
        using var dir = new TempDirectory();
        await using var services = Build(new()
        {
            ["Knowledge:RootPath"] = dir.Path,
            ["Knowledge:Store"] = "postgres",
            ["ConnectionStrings:EvoR"] = database.ConnectionString,
            ["Embeddings:Enabled"] = "false",
        });
        foreach (var hosted in services.GetServices<IHostedService>())
        {
            await hosted.StartAsync(Ct);
        }

        var store = services.GetRequiredService<IKnowledgeBaseStore>();
        await store.CreateAsync("kb", cancellationToken: Ct);
        await store.AddDocumentsAsync("kb", [new KnowledgeDocument { Id = "a", Text = "# Bucket.fetch\nReads a value." }], Ct);

        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var count = new NpgsqlCommand("SELECT count(*) FROM evor_kb_documents WHERE base = 'kb' AND document IS NOT NULL", connection);
        Assert.Equal(1L, await count.ExecuteScalarAsync(Ct));
        Assert.False(File.Exists(Path.Combine(dir.Path, "kb", "base.json")));
    }
}
