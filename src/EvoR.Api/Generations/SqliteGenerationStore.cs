using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using static EvoR.Api.Generations.SqliteSql;

namespace EvoR.Api.Generations;

/// <summary>
/// Jobs, their events and results in one embedded SQLite database (WAL mode, plain ADO.NET): the default, for one
/// process. Every state change is a conditional update in a transaction, so a cancellation and a worker never both
/// win, and a terminal status is always written together with its terminal event. This class is the contract's face:
/// a pooled connection per operation, a transaction around each that writes more than one statement; the SQL that is
/// shared or takes several statements lives with its tables (<see cref="SqliteGenerationSchema"/>,
/// <see cref="SqliteGenerationJobs"/>, <see cref="SqliteGenerationEvents"/>).
/// </summary>
internal sealed class SqliteGenerationStore : IGenerationStore, IDisposable
{
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
        await SqliteGenerationSchema.CreateAsync(connection, DatabasePath, cancellationToken);
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
        var seq = await SqliteGenerationEvents.InsertAsync(connection, transaction, id, name, data, _time, cancellationToken);
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
        var seq = await SqliteGenerationEvents.InsertAsync(connection, transaction, id, name, data, _time, cancellationToken);
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
        var changed = await SqliteGenerationJobs.FinishAsync(connection, transaction, id, outcome, from, terminalEventName, _time,
            cancellationToken);
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
        var running = await SqliteGenerationJobs.QueryAsync(connection, transaction, "WHERE status = 'running' ORDER BY created_at, id", [],
            cancellationToken);
        foreach (var job in running)
        {
            await SqliteGenerationJobs.FinishAsync(connection, transaction, job.Id, interrupted(job), [GenerationStatus.Running], terminalEventName, _time,
                cancellationToken);
        }

        var queued = await SqliteGenerationJobs.QueryAsync(connection, transaction, "WHERE status = 'queued' ORDER BY created_at, id", [],
            cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return ([.. running.Select(j => j.Id)], [.. queued.Select(j => j.Id)]);
    }

    public async Task<GenerationJobRecord?> GetAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var jobs = await SqliteGenerationJobs.QueryAsync(connection, null, "WHERE id = $id", [("$id", id)], cancellationToken);
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
        var (where, parameters) = SqliteGenerationJobs.Page(owner, statuses, method, after, limit);
        await using var connection = await OpenAsync(cancellationToken);
        return await SqliteGenerationJobs.QueryAsync(connection, null, where, parameters, cancellationToken);
    }

    /// <summary>The events of a job after sequence number <paramref name="after"/>, in order.</summary>
    public async Task<IReadOnlyList<GenerationEventRecord>> GetEventsAsync(string id, long after, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await SqliteGenerationEvents.ReadAsync(connection, null, id, after, cancellationToken);
    }

    public void Dispose()
    {
        // Pooled connections keep the file open; a host that stops lets go of it (tests reopen the same file).
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
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
}
