using System.Globalization;
using Microsoft.Data.Sqlite;
using static EvoR.Api.Generations.SqliteSql;

namespace EvoR.Api.Generations;

/// <summary>
/// The generation tables in SQLite, created at start: versioned by <c>PRAGMA user_version</c>, idempotent (every
/// statement is <c>IF NOT EXISTS</c>), and a database written by a newer build is refused rather than misread.
/// </summary>
internal static class SqliteGenerationSchema
{
    /// <summary>The schema this build writes (<c>PRAGMA user_version</c>); a newer database is refused.</summary>
    public const int Version = 1;

    /// <summary>Creates the schema in the database <paramref name="connection"/> is open on (at
    /// <paramref name="databasePath"/>, for the error) and switches it to WAL.</summary>
    public static async Task CreateAsync(SqliteConnection connection, string databasePath, CancellationToken cancellationToken)
    {
        var version = Convert.ToInt32(await ScalarAsync(connection, null, "PRAGMA user_version;", cancellationToken), CultureInfo.InvariantCulture);
        if (version > Version)
        {
            throw new InvalidOperationException(
                $"The generations database {databasePath} has schema version {version}, newer than this build's {Version}; " +
                "use a newer build or another Generations:DatabasePath.");
        }

        // WAL is a property of the file: set once, kept by every later connection.
        await ExecuteAsync(connection, null, "PRAGMA journal_mode=WAL;", cancellationToken);
        await ExecuteAsync(connection, null, """
            CREATE TABLE IF NOT EXISTS generation_jobs (
                id TEXT PRIMARY KEY,
                status TEXT NOT NULL,
                method TEXT NOT NULL,
                owner TEXT NULL,
                spec TEXT NOT NULL,
                created_at TEXT NOT NULL,
                started_at TEXT NULL,
                finished_at TEXT NULL,
                answer TEXT NULL,
                score TEXT NULL,
                prompt_tokens INTEGER NOT NULL DEFAULT 0,
                completion_tokens INTEGER NOT NULL DEFAULT 0,
                llm_calls INTEGER NOT NULL DEFAULT 0,
                error TEXT NULL
            );
            CREATE INDEX IF NOT EXISTS ix_generation_jobs_status ON generation_jobs (status, created_at);
            CREATE INDEX IF NOT EXISTS ix_generation_jobs_owner ON generation_jobs (owner, created_at, id);
            CREATE TABLE IF NOT EXISTS generation_events (
                job_id TEXT NOT NULL REFERENCES generation_jobs (id) ON DELETE CASCADE,
                seq INTEGER NOT NULL,
                name TEXT NOT NULL,
                data TEXT NOT NULL,
                created_at TEXT NOT NULL,
                PRIMARY KEY (job_id, seq)
            ) WITHOUT ROWID;
            PRAGMA user_version = 1;
            """, cancellationToken);
    }
}
