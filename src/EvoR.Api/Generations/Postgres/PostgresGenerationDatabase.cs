using Microsoft.Extensions.Options;
using Npgsql;

namespace EvoR.Api.Generations.Postgres;

/// <summary>
/// The PostgreSQL database of generation jobs (<c>ConnectionStrings:EvoR</c>): one pooled data source for the store,
/// the queue and the listener of this replica, and this replica's name on the leases it holds.
/// </summary>
internal sealed class PostgresGenerationDatabase : IAsyncDisposable
{
    /// <summary>NOTIFY channels: a job has a new event or status (payload: its id); a job was queued; a running job
    /// is asked to stop (payload: its id).</summary>
    public const string EventsChannel = "evor_generation_events";
    public const string QueuedChannel = "evor_generation_queued";
    public const string CancelsChannel = "evor_generation_cancels";

    public PostgresGenerationDatabase(IConfiguration configuration, IOptions<GenerationOptions> options)
    {
        var connectionString = configuration.GetConnectionString(GenerationOptions.ConnectionStringName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                "Generations:Store is postgres but ConnectionStrings:EvoR (environment ConnectionStrings__EvoR) is not set.");
        }

        var builder = new NpgsqlDataSourceBuilder(connectionString);
        builder.ConnectionStringBuilder.ApplicationName ??= "evor";
        DataSource = builder.Build();
        var parsed = builder.ConnectionStringBuilder;
        Location = $"PostgreSQL {parsed.Host}:{parsed.Port}/{parsed.Database ?? parsed.Username}";
        LeaseSeconds = options.Value.Postgres.LeaseSeconds;
        // Unique per process: a restarted replica is a new holder, and the old one's leases simply run out.
        ReplicaId = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..8]}";
    }

    public NpgsqlDataSource DataSource { get; }

    public string Location { get; }

    public string ReplicaId { get; }

    public int LeaseSeconds { get; }

    public ValueTask<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken) => DataSource.OpenConnectionAsync(cancellationToken);

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();
}
