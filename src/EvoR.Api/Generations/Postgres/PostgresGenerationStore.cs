using System.Data.Common;
using Npgsql;

namespace EvoR.Api.Generations.Postgres;

/// <summary>
/// Jobs, their events and results in PostgreSQL (<c>Generations:Store=postgres</c>), shared by every replica. The same
/// promises as <see cref="SqliteGenerationStore"/>: conditional state changes in transactions, a terminal status with
/// its terminal event. A job's row lock orders its events, whichever replica writes them; each write that changes a
/// job sends a NOTIFY (delivered at commit) so that event streams on every replica wake up.
/// </summary>
internal sealed class PostgresGenerationStore(PostgresGenerationDatabase database, TimeProvider time) : IGenerationStore
{
    public string Location => database.Location;

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await PostgresGenerationSchema.MigrateAsync(connection, Location, cancellationToken);
    }

    public async Task InsertAsync(GenerationJobRecord job, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await ExecuteAsync(connection, null, $"""
            INSERT INTO generation_jobs (id, status, method, owner, spec, created_at)
            VALUES (@id, @status, @method, @owner, @spec, @created);
            SELECT pg_notify('{PostgresGenerationDatabase.QueuedChannel}', @id);
            """, cancellationToken,
            ("id", job.Id), ("status", job.Status.ToWire()), ("method", job.Spec.Method), ("owner", job.Owner),
            ("spec", GenerationJson.Serialize(job.Spec)), ("created", Timestamp(job.CreatedAt)));
    }

    public async Task<bool> TryStartAsync(string id, CancellationToken cancellationToken)
    {
        // Without a lease: a job started this way is one no replica holds, and the next recovery ends it. Replicas
        // take jobs with the queue's claim, which sets the lease in the same statement.
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = Command(connection, null, $"""
            WITH started AS (
                UPDATE generation_jobs SET status = 'running', started_at = @now WHERE id = @id AND status = 'queued' RETURNING id)
            SELECT pg_notify('{PostgresGenerationDatabase.EventsChannel}', id) FROM started;
            """, ("id", id), ("now", Timestamp(time.GetUtcNow())));
        // One row when it started, none when it was no longer queued.
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken);
    }

    public async Task<long> AppendEventAsync(string id, string name, string data, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var seq = await InsertEventAsync(connection, transaction, id, name, data, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return seq;
    }

    public async Task<long> AppendRoundAsync(string id, string name, string data, GenerationUsage usage, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var seq = await InsertEventAsync(connection, transaction, id, name, data, cancellationToken);
        await ExecuteAsync(connection, transaction, """
            UPDATE generation_jobs SET prompt_tokens = @in, completion_tokens = @out, llm_calls = @calls
            WHERE id = @id AND status = 'running';
            """, cancellationToken,
            ("id", id), ("in", usage.PromptTokens), ("out", usage.CompletionTokens), ("calls", usage.LlmCalls));
        await transaction.CommitAsync(cancellationToken);
        return seq;
    }

    public async Task<bool> TryFinishAsync(string id, GenerationOutcome outcome, IReadOnlyList<GenerationStatus> from, string terminalEventName,
        CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var changed = await FinishAsync(connection, transaction, id, outcome, from, terminalEventName, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return changed;
    }

    /// <summary>
    /// Running jobs whose lease ran out (their replica died or lost the database) or that have none are marked
    /// interrupted with their end event; a job another replica is recovering at the same moment is skipped (it is
    /// locked), so each is ended once. Returns those, and the queued jobs (the queue is the table: nothing to
    /// re-queue).
    /// </summary>
    public async Task<(IReadOnlyList<string> Interrupted, IReadOnlyList<string> Queued)> RecoverAsync(
        Func<GenerationJobRecord, GenerationOutcome> interrupted, string terminalEventName, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var lost = await QueryJobsAsync(connection, transaction, """
            WHERE status = 'running' AND (lease_expires_at IS NULL OR lease_expires_at < now())
            ORDER BY created_at, id FOR UPDATE SKIP LOCKED
            """, [], cancellationToken);
        foreach (var job in lost)
        {
            await FinishAsync(connection, transaction, job.Id, interrupted(job), [GenerationStatus.Running], terminalEventName, cancellationToken);
        }

        var queued = await QueryIdsAsync(connection, transaction, "SELECT id FROM generation_jobs WHERE status = 'queued' ORDER BY created_at, id;",
            cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return ([.. lost.Select(j => j.Id)], queued);
    }

    public async Task<GenerationJobRecord?> GetAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var jobs = await QueryJobsAsync(connection, null, "WHERE id = @id", [("id", id)], cancellationToken);
        return jobs.Count == 0 ? null : jobs[0];
    }

    public async Task<IReadOnlyList<GenerationJobRecord>> ListAsync(string? owner, IReadOnlyCollection<GenerationStatus> statuses, string? method,
        (DateTimeOffset CreatedAt, string Id)? after, int limit, CancellationToken cancellationToken)
    {
        var where = new List<string> { "(owner IS NULL OR owner = @owner)" };
        var parameters = new List<(string, object?)> { ("owner", owner), ("limit", limit) };
        if (statuses.Count > 0)
        {
            where.Add("status = ANY(@statuses)");
            parameters.Add(("statuses", statuses.Select(s => s.ToWire()).ToArray()));
        }

        if (method is not null)
        {
            where.Add("method = @method");
            parameters.Add(("method", method));
        }

        if (after is { } cursor)
        {
            where.Add("(created_at < @afterCreated OR (created_at = @afterCreated AND id < @afterId))");
            parameters.Add(("afterCreated", Timestamp(cursor.CreatedAt)));
            parameters.Add(("afterId", cursor.Id));
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        return await QueryJobsAsync(connection, null, $"WHERE {string.Join(" AND ", where)} ORDER BY created_at DESC, id DESC LIMIT @limit",
            [.. parameters], cancellationToken);
    }

    public async Task<IReadOnlyList<GenerationEventRecord>> GetEventsAsync(string id, long after, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await ReadEventsAsync(connection, null, id, after, cancellationToken);
    }

    /// <summary>Microseconds, as <c>timestamptz</c> keeps them: a time read back equals the one written (cursors
    /// compare them).</summary>
    internal static DateTimeOffset Timestamp(DateTimeOffset time)
    {
        var ticks = time.UtcTicks;
        return new DateTimeOffset(ticks - (ticks % 10), TimeSpan.Zero);
    }

    private async Task<bool> FinishAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string id, GenerationOutcome outcome,
        IReadOnlyList<GenerationStatus> from, string terminalEventName, CancellationToken cancellationToken)
    {
        var (answer, score, error) = GenerationRows.Serialize(outcome);
        // The lease goes with the run: a finished job is nobody's.
        var changed = await ExecuteAsync(connection, transaction, """
            UPDATE generation_jobs
            SET status = @status, finished_at = @now, answer = @answer, score = @score,
                prompt_tokens = @in, completion_tokens = @out, llm_calls = @calls, error = @error,
                lease_owner = NULL, lease_expires_at = NULL
            WHERE id = @id AND status = ANY(@from);
            """, cancellationToken,
            ("id", id), ("status", outcome.Status.ToWire()), ("now", Timestamp(time.GetUtcNow())),
            ("answer", answer), ("score", score),
            ("in", outcome.Usage.PromptTokens), ("out", outcome.Usage.CompletionTokens), ("calls", outcome.Usage.LlmCalls),
            ("error", error), ("from", from.Select(s => s.ToWire()).ToArray()));
        if (changed == 0)
        {
            return false;
        }

        var job = (await QueryJobsAsync(connection, transaction, "WHERE id = @id", [("id", id)], cancellationToken))[0];
        var terminal = GenerationRows.TerminalEvent(job, outcome, await ReadEventsAsync(connection, transaction, id, 0, cancellationToken));
        await InsertEventAsync(connection, transaction, id, terminalEventName, terminal, cancellationToken);
        return true;
    }

    private async Task<long> InsertEventAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string id, string name, string data,
        CancellationToken cancellationToken)
    {
        // The job's row lock numbers its events one writer at a time, on whichever replica (a no-op when this
        // transaction already holds it).
        await ExecuteAsync(connection, transaction, "SELECT 1 FROM generation_jobs WHERE id = @id FOR UPDATE;", cancellationToken, ("id", id));
        await using var command = Command(connection, transaction, $"""
            INSERT INTO generation_events (job_id, seq, name, data, created_at)
            SELECT @id, COALESCE(MAX(seq), 0) + 1, @name, @data, @now FROM generation_events WHERE job_id = @id
            RETURNING seq, pg_notify('{PostgresGenerationDatabase.EventsChannel}', @id);
            """, ("id", id), ("name", name), ("data", data), ("now", Timestamp(time.GetUtcNow())));
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static async Task<IReadOnlyList<GenerationEventRecord>> ReadEventsAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction,
        string id, long after, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction,
            "SELECT seq, name, data FROM generation_events WHERE job_id = @id AND seq > @after ORDER BY seq;", ("id", id), ("after", after));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var events = new List<GenerationEventRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(new GenerationEventRecord(reader.GetInt64(0), reader.GetString(1), reader.GetString(2)));
        }

        return events;
    }

    private static async Task<List<GenerationJobRecord>> QueryJobsAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string where,
        (string, object?)[] parameters, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, $"SELECT {GenerationRows.JobColumns} FROM generation_jobs {where};", parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var jobs = new List<GenerationJobRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            jobs.Add(GenerationRows.ReadJob(reader, static (r, i) => r.GetFieldValue<DateTimeOffset>(i)));
        }

        return jobs;
    }

    private static async Task<IReadOnlyList<string>> QueryIdsAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql,
        CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(connection, transaction, sql, parameters);
        await using DbDataReader reader = await command.ExecuteReaderAsync(cancellationToken);
        var ids = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    internal static NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql,
        params (string Name, object? Value)[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    internal static async Task<int> ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql,
        CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(connection, transaction, sql, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
