using Npgsql;

namespace EvoR.Pipeline.Knowledge.Sources;

/// <summary>
/// The knowledge tables, created or migrated at start. Each migration runs once, in order, recorded in
/// <c>evor_kb_schema</c>; a transaction-level advisory lock keeps two replicas starting together from racing.
/// </summary>
internal static class PostgresKnowledgeSchema
{
    /// <summary>Advisory lock key of schema migrations (an arbitrary constant, "EvoRKbSc").</summary>
    private const long MigrationLock = 0x45766F524B625363;

    /// <summary>The migrations, version = index + 1. Append only: never edit a shipped one.</summary>
    private static readonly string[] Migrations =
    [
        """
        CREATE SEQUENCE evor_kb_seq;
        CREATE TABLE evor_kb_bases (
            name        text PRIMARY KEY,
            parent      text,
            description text,
            created_at  timestamptz NOT NULL,
            owner       text,
            shared      boolean NOT NULL,
            job_id      text,
            created_seq bigint NOT NULL,
            seq         bigint NOT NULL,
            deleted     boolean NOT NULL DEFAULT false
        );
        CREATE INDEX evor_kb_bases_seq ON evor_kb_bases (seq);
        CREATE TABLE evor_kb_documents (
            base     text NOT NULL,
            id       text NOT NULL,
            document text,
            hash     text,
            seq      bigint NOT NULL,
            PRIMARY KEY (base, id)
        );
        CREATE INDEX evor_kb_documents_seq ON evor_kb_documents (seq);
        CREATE INDEX evor_kb_documents_base_seq ON evor_kb_documents (base, seq);
        """,
    ];

    /// <summary>The schema version this build expects.</summary>
    public static int Version => Migrations.Length;

    public static async Task MigrateAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, $"SELECT pg_advisory_xact_lock({MigrationLock})", cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, "CREATE TABLE IF NOT EXISTS evor_kb_schema (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())", cancellationToken).ConfigureAwait(false);
        await using var current = new NpgsqlCommand("SELECT coalesce(max(version), 0) FROM evor_kb_schema", connection);
        var version = (int)(await current.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        if (version > Version)
        {
            throw new InvalidOperationException($"The knowledge schema is at version {version}, newer than this build's {Version}; upgrade EvoR.");
        }

        for (var v = version + 1; v <= Version; v++)
        {
            await ExecuteAsync(connection, Migrations[v - 1], cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, $"INSERT INTO evor_kb_schema (version) VALUES ({v})", cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
