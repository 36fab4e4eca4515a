using System.Globalization;
using Microsoft.Data.Sqlite;
using static EvoR.Api.Generations.SqliteSql;

namespace EvoR.Api.Generations;

/// <summary>
/// The queries on a job's events in SQLite (<c>generation_events</c>): numbered 1, 2, … per job. One process owns the
/// file and SQLite serialises writers, so the next number read inside the writing transaction is never taken twice.
/// </summary>
internal static class SqliteGenerationEvents
{
    /// <summary>The events of job <paramref name="id"/> after sequence number <paramref name="after"/>, in order.</summary>
    public static async Task<IReadOnlyList<GenerationEventRecord>> ReadAsync(SqliteConnection connection, SqliteTransaction? transaction,
        string id, long after, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction,
            "SELECT seq, name, data FROM generation_events WHERE job_id = $id AND seq > $after ORDER BY seq;", ("$id", id), ("$after", after));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var events = new List<GenerationEventRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(new GenerationEventRecord(reader.GetInt64(0), reader.GetString(1), reader.GetString(2)));
        }

        return events;
    }

    /// <summary>Appends an event to job <paramref name="id"/>, stamped now; returns its sequence number.</summary>
    public static async Task<long> InsertAsync(SqliteConnection connection, SqliteTransaction transaction, string id, string name, string data,
        TimeProvider time, CancellationToken cancellationToken)
    {
        var next = Convert.ToInt64(await ScalarAsync(connection, transaction,
            "SELECT COALESCE(MAX(seq), 0) + 1 FROM generation_events WHERE job_id = $id;", cancellationToken, ("$id", id)), CultureInfo.InvariantCulture);
        await ExecuteAsync(connection, transaction,
            "INSERT INTO generation_events (job_id, seq, name, data, created_at) VALUES ($id, $seq, $name, $data, $now);",
            cancellationToken, ("$id", id), ("$seq", next), ("$name", name), ("$data", data), ("$now", Format(time.GetUtcNow())));
        return next;
    }
}
