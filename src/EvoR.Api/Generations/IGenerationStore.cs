namespace EvoR.Api.Generations;

/// <summary>
/// Where jobs, their events and results are kept: SQLite (<see cref="SqliteGenerationStore"/>, embedded, one process)
/// or PostgreSQL (<c>Postgres.PostgresGenerationStore</c>, shared by every replica). Both keep the same promises, which
/// the contract tests check on both: every state change is conditional, so a cancellation, a worker and a recovery
/// never all win; a terminal status is written together with its terminal event; events are numbered 1, 2, … per job.
/// </summary>
internal interface IGenerationStore
{
    /// <summary>Where the jobs are, for logs and errors: a file path, or a PostgreSQL host and database (no password).</summary>
    string Location { get; }

    /// <summary>Creates or migrates the schema (versioned, idempotent); refuses a schema newer than this build's.</summary>
    Task InitializeAsync(CancellationToken cancellationToken);

    Task InsertAsync(GenerationJobRecord job, CancellationToken cancellationToken);

    /// <summary>Moves a queued job to running; false when it is no longer queued (cancelled meanwhile).</summary>
    Task<bool> TryStartAsync(string id, CancellationToken cancellationToken);

    /// <summary>Appends an event to a job; returns its sequence number.</summary>
    Task<long> AppendEventAsync(string id, string name, string data, CancellationToken cancellationToken);

    /// <summary>
    /// Appends a round's event and, in the same transaction, the job's usage so far: a process that dies after a
    /// round leaves the usage of the rounds it finished (recovery keeps it). Returns the event's sequence number.
    /// </summary>
    Task<long> AppendRoundAsync(string id, string name, string data, GenerationUsage usage, CancellationToken cancellationToken);

    /// <summary>
    /// Writes how a job ended, with its terminal event, if it is still in one of <paramref name="from"/>; false when
    /// another path (a cancellation, a recovery) ended it first.
    /// </summary>
    Task<bool> TryFinishAsync(string id, GenerationOutcome outcome, IReadOnlyList<GenerationStatus> from, string terminalEventName,
        CancellationToken cancellationToken);

    /// <summary>
    /// Marks interrupted (with its terminal event) every job marked running that no live process runs any more: in
    /// SQLite, at start, every running job (one process owns the file); in PostgreSQL, every running job whose
    /// replica's lease expired. Returns those, and the queued jobs, oldest first.
    /// </summary>
    Task<(IReadOnlyList<string> Interrupted, IReadOnlyList<string> Queued)> RecoverAsync(
        Func<GenerationJobRecord, GenerationOutcome> interrupted, string terminalEventName, CancellationToken cancellationToken);

    Task<GenerationJobRecord?> GetAsync(string id, CancellationToken cancellationToken);

    /// <summary>
    /// One page of the jobs <paramref name="owner"/> may see (its own, and those made without a key), newest first
    /// (<c>created_at</c>, then id, descending), after the job <paramref name="after"/>, with the status in
    /// <paramref name="statuses"/> (any when empty) and the method <paramref name="method"/> (any when null).
    /// </summary>
    Task<IReadOnlyList<GenerationJobRecord>> ListAsync(string? owner, IReadOnlyCollection<GenerationStatus> statuses, string? method,
        (DateTimeOffset CreatedAt, string Id)? after, int limit, CancellationToken cancellationToken);

    /// <summary>The events of a job after sequence number <paramref name="after"/>, in order.</summary>
    Task<IReadOnlyList<GenerationEventRecord>> GetEventsAsync(string id, long after, CancellationToken cancellationToken);
}
