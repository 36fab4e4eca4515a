using Npgsql;

namespace EvoR.Api.Generations.Postgres;

/// <summary>
/// The generation tables in PostgreSQL, created and migrated at start: numbered migrations, each applied once in a
/// transaction and recorded in <c>generation_schema_migrations</c>, under an advisory lock so that replicas starting
/// together apply each once. A database migrated by a newer build (a higher number) is refused.
/// </summary>
internal static class PostgresGenerationSchema
{
    // Any fixed number, the same in every build: the advisory lock that serialises these migrations.
    private const long MigrationLock = 0x45766F52_47656E31;

    /// <summary>Migrations in order; never edit one that shipped, add the next.</summary>
    private static readonly string[] Migrations =
    [
        """
        CREATE TABLE generation_jobs (
            id text PRIMARY KEY,
            status text NOT NULL,
            method text NOT NULL,
            owner text NULL,
            spec text NOT NULL,
            created_at timestamptz NOT NULL,
            started_at timestamptz NULL,
            finished_at timestamptz NULL,
            answer text NULL,
            score text NULL,
            prompt_tokens bigint NOT NULL DEFAULT 0,
            completion_tokens bigint NOT NULL DEFAULT 0,
            llm_calls integer NOT NULL DEFAULT 0,
            error text NULL,
            lease_owner text NULL,
            lease_expires_at timestamptz NULL,
            cancel_requested boolean NOT NULL DEFAULT false
        );
        CREATE INDEX ix_generation_jobs_status ON generation_jobs (status, created_at, id);
        CREATE INDEX ix_generation_jobs_owner ON generation_jobs (owner, created_at, id);
        CREATE INDEX ix_generation_jobs_lease ON generation_jobs (lease_owner) WHERE status = 'running';
        CREATE TABLE generation_events (
            job_id text NOT NULL REFERENCES generation_jobs (id) ON DELETE CASCADE,
            seq bigint NOT NULL,
            name text NOT NULL,
            data text NOT NULL,
            created_at timestamptz NOT NULL,
            PRIMARY KEY (job_id, seq)
        );
        """,
    ];

    public static int Version => Migrations.Length;

    public static async Task MigrateAsync(NpgsqlConnection connection, string location, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, transaction, $"SELECT pg_advisory_xact_lock({MigrationLock});", cancellationToken);
        await ExecuteAsync(connection, transaction, """
            CREATE TABLE IF NOT EXISTS generation_schema_migrations (
                version integer PRIMARY KEY,
                applied_at timestamptz NOT NULL DEFAULT now()
            );
            """, cancellationToken);
        await using var current = new NpgsqlCommand("SELECT COALESCE(MAX(version), 0) FROM generation_schema_migrations;", connection, transaction);
        var version = Convert.ToInt32(await current.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        if (version > Version)
        {
            throw new InvalidOperationException(
                $"The generations database {location} has schema version {version}, newer than this build's {Version}; use a newer build.");
        }

        for (var next = version + 1; next <= Version; next++)
        {
            await ExecuteAsync(connection, transaction, Migrations[next - 1], cancellationToken);
            await using var record = new NpgsqlCommand(
                "INSERT INTO generation_schema_migrations (version) VALUES (@version);", connection, transaction);
            record.Parameters.AddWithValue("version", next);
            await record.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
