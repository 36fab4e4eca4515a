using System.Data;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace EvoR.Api.Generations;

/// <summary>
/// Jobs, their events and results in one embedded SQLite database (WAL mode, plain ADO.NET): the default, for one
/// process. Every state change is a conditional update in a transaction, so a cancellation and a worker never both
/// win, and a terminal status is always written together with its terminal event.
/// </summary>
internal sealed class SqliteGenerationStore : IGenerationStore, IDisposable
{
    /// <summary>The schema this build writes (<c>PRAGMA user_version</c>); a newer database is refused.</summary>
    public const int SchemaVersion = 1;

    private readonly string _connectionString;
    private readonly TimeProvider _time;

    public SqliteGenerationStore(IOptions<GenerationOptions> options, IHostEnvironment environment, TimeProvider time)
    {
        var path = options.Value.DatabasePath;
        DatabasePath = Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(environment.ContentRootPath, path));
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = DatabasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        _time = time;
    }

    public string DatabasePath { get; }

    public string Location => DatabasePath;

    /// <summary>Creates the folder, the database and its schema; switches it to WAL.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        if (Path.GetDirectoryName(DatabasePath) is { Length: > 0 } folder)
        {
            Directory.CreateDirectory(folder);
        }

        await using var connection = await OpenAsync(cancellationToken);
        var version = Convert.ToInt32(await ScalarAsync(connection, null, "PRAGMA user_version;", cancellationToken), CultureInfo.InvariantCulture);
        if (version > SchemaVersion)
        {
            throw new InvalidOperationException(
                $"The generations database {DatabasePath} has schema version {version}, newer than this build's {SchemaVersion}; " +
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

    public async Task InsertAsync(GenerationJobRecord job, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await ExecuteAsync(connection, null, """
            INSERT INTO generation_jobs (id, status, method, owner, spec, created_at)
            VALUES ($id, $status, $method, $owner, $spec, $created);
            """, cancellationToken,
            ("$id", job.Id), ("$status", job.Status.ToWire()), ("$method", job.Spec.Method), ("$owner", job.Owner),
            ("$spec", GenerationJson.Serialize(job.Spec)), ("$created", Format(job.CreatedAt)));
    }

    /// <summary>Moves a queued job to running; false when it is no longer queued (cancelled meanwhile).</summary>
    public async Task<bool> TryStartAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var changed = await ExecuteAsync(connection, null,
            "UPDATE generation_jobs SET status = 'running', started_at = $now WHERE id = $id AND status = 'queued';",
            cancellationToken, ("$id", id), ("$now", Format(_time.GetUtcNow())));
        return changed == 1;
    }

    /// <summary>Appends an event to a job; returns its sequence number.</summary>
    public async Task<long> AppendEventAsync(string id, string name, string data, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        var seq = await InsertEventAsync(connection, transaction, id, name, data, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return seq;
    }

    /// <summary>
    /// Appends a round's event and, in the same transaction, the job's usage so far: a process that dies after a
    /// round leaves the usage of the rounds it finished (recovery keeps it). Returns the event's sequence number.
    /// </summary>
    public async Task<long> AppendRoundAsync(string id, string name, string data, GenerationUsage usage, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        var seq = await InsertEventAsync(connection, transaction, id, name, data, cancellationToken);
        await ExecuteAsync(connection, transaction, """
            UPDATE generation_jobs SET prompt_tokens = $in, completion_tokens = $out, llm_calls = $calls
            WHERE id = $id AND status = 'running';
            """, cancellationToken,
            ("$id", id), ("$in", usage.PromptTokens), ("$out", usage.CompletionTokens), ("$calls", usage.LlmCalls));
        await transaction.CommitAsync(cancellationToken);
        return seq;
    }

    /// <summary>
    /// Writes how a job ended, with its terminal event, if it is still in one of <paramref name="from"/>; false when
    /// another path (a cancellation, a recovery) ended it first.
    /// </summary>
    public async Task<bool> TryFinishAsync(string id, GenerationOutcome outcome, IReadOnlyList<GenerationStatus> from,
        string terminalEventName, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        var changed = await FinishAsync(connection, transaction, id, outcome, from, terminalEventName, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return changed;
    }

    /// <summary>
    /// At start: every job still marked running was running when the process stopped or died, and is marked
    /// interrupted (with its terminal event); the queued ones are returned, oldest first, to be queued again.
    /// </summary>
    public async Task<(IReadOnlyList<string> Interrupted, IReadOnlyList<string> Queued)> RecoverAsync(
        Func<GenerationJobRecord, GenerationOutcome> interrupted, string terminalEventName, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        var running = await QueryJobsAsync(connection, transaction, "WHERE status = 'running' ORDER BY created_at, id", [], cancellationToken);
        foreach (var job in running)
        {
            await FinishAsync(connection, transaction, job.Id, interrupted(job), [GenerationStatus.Running], terminalEventName, cancellationToken);
        }

        var queued = await QueryJobsAsync(connection, transaction, "WHERE status = 'queued' ORDER BY created_at, id", [], cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return ([.. running.Select(j => j.Id)], [.. queued.Select(j => j.Id)]);
    }

    public async Task<GenerationJobRecord?> GetAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var jobs = await QueryJobsAsync(connection, null, "WHERE id = $id", [("$id", id)], cancellationToken);
        return jobs.Count == 0 ? null : jobs[0];
    }

    /// <summary>
    /// One page of the jobs <paramref name="owner"/> may see (its own, and those made without a key), newest first
    /// (<c>created_at</c>, then id, descending), after the job <paramref name="after"/>, with the status in
    /// <paramref name="statuses"/> (any when empty) and the method <paramref name="method"/> (any when null).
    /// </summary>
    public async Task<IReadOnlyList<GenerationJobRecord>> ListAsync(string? owner, IReadOnlyCollection<GenerationStatus> statuses, string? method,
        (DateTimeOffset CreatedAt, string Id)? after, int limit, CancellationToken cancellationToken)
    {
        var where = new List<string> { "(owner IS NULL OR owner = $owner)" };
        var parameters = new List<(string, object?)> { ("$owner", owner), ("$limit", limit) };
        if (statuses.Count > 0)
        {
            // Wire names are fixed identifiers, never user text.
            where.Add($"status IN ({string.Join(", ", statuses.Select(s => $"'{s.ToWire()}'"))})");
        }

        if (method is not null)
        {
            where.Add("method = $method");
            parameters.Add(("$method", method));
        }

        if (after is { } cursor)
        {
            where.Add("(created_at < $afterCreated OR (created_at = $afterCreated AND id < $afterId))");
            parameters.Add(("$afterCreated", Format(cursor.CreatedAt)));
            parameters.Add(("$afterId", cursor.Id));
        }

        await using var connection = await OpenAsync(cancellationToken);
        return await QueryJobsAsync(connection, null, $"WHERE {string.Join(" AND ", where)} ORDER BY created_at DESC, id DESC LIMIT $limit",
            [.. parameters], cancellationToken);
    }

    /// <summary>The events of a job after sequence number <paramref name="after"/>, in order.</summary>
    public async Task<IReadOnlyList<GenerationEventRecord>> GetEventsAsync(string id, long after, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await ReadEventsAsync(connection, null, id, after, cancellationToken);
    }

    private static async Task<IReadOnlyList<GenerationEventRecord>> ReadEventsAsync(SqliteConnection connection, SqliteTransaction? transaction,
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

    public void Dispose()
    {
        // Pooled connections keep the file open; a host that stops lets go of it (tests reopen the same file).
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
    }

    private async Task<bool> FinishAsync(SqliteConnection connection, SqliteTransaction transaction, string id, GenerationOutcome outcome,
        IReadOnlyList<GenerationStatus> from, string terminalEventName, CancellationToken cancellationToken)
    {
        var allowed = string.Join(", ", from.Select(s => $"'{s.ToWire()}'"));
        var now = _time.GetUtcNow();
        var (answer, score, error) = GenerationRows.Serialize(outcome);
        var changed = await ExecuteAsync(connection, transaction, $"""
            UPDATE generation_jobs
            SET status = $status, finished_at = $now, answer = $answer, score = $score,
                prompt_tokens = $in, completion_tokens = $out, llm_calls = $calls, error = $error
            WHERE id = $id AND status IN ({allowed});
            """, cancellationToken,
            ("$id", id), ("$status", outcome.Status.ToWire()), ("$now", Format(now)),
            ("$answer", answer), ("$score", score),
            ("$in", outcome.Usage.PromptTokens), ("$out", outcome.Usage.CompletionTokens), ("$calls", outcome.Usage.LlmCalls),
            ("$error", error));
        if (changed == 0)
        {
            return false;
        }

        var job = (await QueryJobsAsync(connection, transaction, "WHERE id = $id", [("$id", id)], cancellationToken))[0];
        var terminal = GenerationRows.TerminalEvent(job, outcome, await ReadEventsAsync(connection, transaction, id, 0, cancellationToken));
        await InsertEventAsync(connection, transaction, id, terminalEventName, terminal, cancellationToken);
        return true;
    }

    private async Task<long> InsertEventAsync(SqliteConnection connection, SqliteTransaction transaction, string id, string name, string data,
        CancellationToken cancellationToken)
    {
        var next = Convert.ToInt64(await ScalarAsync(connection, transaction,
            "SELECT COALESCE(MAX(seq), 0) + 1 FROM generation_events WHERE job_id = $id;", cancellationToken, ("$id", id)), CultureInfo.InvariantCulture);
        await ExecuteAsync(connection, transaction,
            "INSERT INTO generation_events (job_id, seq, name, data, created_at) VALUES ($id, $seq, $name, $data, $now);",
            cancellationToken, ("$id", id), ("$seq", next), ("$name", name), ("$data", data), ("$now", Format(_time.GetUtcNow())));
        return next;
    }

    private static async Task<List<GenerationJobRecord>> QueryJobsAsync(SqliteConnection connection, SqliteTransaction? transaction, string where,
        (string, object?)[] parameters, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, $"SELECT {GenerationRows.JobColumns} FROM generation_jobs {where};", parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var jobs = new List<GenerationJobRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            jobs.Add(GenerationRows.ReadJob(reader, static (r, i) => Parse(r.GetString(i))));
        }

        return jobs;
    }

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        // Per connection: NORMAL is durable against a process crash in WAL mode (only a power loss may lose the
        // last commits); foreign keys are off by default in SQLite.
        await ExecuteAsync(connection, null, "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;", cancellationToken);
        return connection;
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    private static async Task<int> ExecuteAsync(SqliteConnection connection, SqliteTransaction? transaction, string sql,
        CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(connection, transaction, sql, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<object?> ScalarAsync(SqliteConnection connection, SqliteTransaction? transaction, string sql,
        CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(connection, transaction, sql, parameters);
        return await command.ExecuteScalarAsync(cancellationToken);
    }

    private static string Format(DateTimeOffset time) => time.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);

    private static DateTimeOffset Parse(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
}
