using EvoR.Pipeline.Embeddings;
using EvoR.Pipeline.Knowledge.Sources;
using EvoR.Pipeline.Retrieval;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace EvoR.Pipeline.Knowledge;

/// <summary>How the host gets its <see cref="KnowledgeBaseStore"/>: on local folders, or as a replica of PostgreSQL.</summary>
internal static class KnowledgeStoreRegistration
{
    /// <summary>The connection string's name: <c>ConnectionStrings:EvoR</c>, shared with the rest of the service.</summary>
    public const string ConnectionStringName = "EvoR";

    public static void AddKnowledgeStore(IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<IValidateOptions<KnowledgeOptions>>(new KnowledgeStoreValidator(configuration));
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<KnowledgeOptions>>();
            IKnowledgeDocumentSource? source = options.Value.Store == KnowledgeOptions.PostgresStore
                ? new PostgresDocumentSource(NpgsqlDataSource.Create(configuration.GetConnectionString(ConnectionStringName)!))
                : null;
            return new KnowledgeBaseStore(
                options,
                sp.GetRequiredService<IOptions<RetrievalOptions>>(),
                sp.GetRequiredService<EmbeddingService>(),
                sp.GetRequiredService<KnowledgeTelemetry>(),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<KnowledgeBaseStore>>(),
                source);
        });
        services.AddHostedService<KnowledgeReplicaStarter>();
    }

    /// <summary>Refuses to start with <c>Knowledge:Store=postgres</c> and no connection string, in one line.</summary>
    private sealed class KnowledgeStoreValidator(IConfiguration configuration) : IValidateOptions<KnowledgeOptions>
    {
        public ValidateOptionsResult Validate(string? name, KnowledgeOptions options) =>
            options.Store == KnowledgeOptions.PostgresStore && string.IsNullOrWhiteSpace(configuration.GetConnectionString(ConnectionStringName))
                ? ValidateOptionsResult.Fail($"Knowledge:Store=postgres needs a PostgreSQL connection string in ConnectionStrings:{ConnectionStringName}; none is set.")
                : ValidateOptionsResult.Success;
    }

    /// <summary>Starts a replica with the host (schema, catch-up, following) so the first request does not pay for it;
    /// nothing to do on local folders.</summary>
    private sealed class KnowledgeReplicaStarter(KnowledgeBaseStore store) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => store.StartAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
