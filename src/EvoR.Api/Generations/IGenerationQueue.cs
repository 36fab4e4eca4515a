namespace EvoR.Api.Generations;

/// <summary>
/// Admission of new jobs and their hand-over to this process's workers: in-process over SQLite
/// (<see cref="LocalGenerationQueue"/>), or the PostgreSQL table itself shared by every replica
/// (<c>Postgres.PostgresGenerationQueue</c>: a claim with <c>FOR UPDATE SKIP LOCKED</c> and a lease).
/// </summary>
internal interface IGenerationQueue
{
    /// <summary>Jobs admitted and waiting for a worker (with PostgreSQL: across replicas, as last counted).</summary>
    int Waiting { get; }

    /// <summary>Jobs running on this process's workers.</summary>
    int Running { get; }

    /// <summary>Reserves a place for a new job; false when the queue is full.</summary>
    Task<bool> TryReserveAsync(string id, CancellationToken cancellationToken);

    /// <summary>Gives a reserved job, now stored, to the workers.</summary>
    void Enqueue(string id);

    /// <summary>Queues a job found queued at start, whatever the limit (it was admitted before the restart).</summary>
    void Requeue(string id);

    /// <summary>Drops a job that will not run (not stored, or cancelled while it waited).</summary>
    void Release(string id);

    /// <summary>
    /// Waits for the next job and marks it running for this process (in the store, and here with a cancellation
    /// source <see cref="TryCancelRunningAsync"/> fires). Throws <see cref="OperationCanceledException"/> when
    /// <paramref name="stopping"/> fires first: a job not yet taken stays queued.
    /// </summary>
    Task<GenerationClaim> ClaimNextAsync(CancellationToken stopping);

    /// <summary>A worker is done with its job (its end is written, or another path ended it).</summary>
    void Complete(GenerationClaim claim);

    /// <summary>Asks a running job to stop, wherever it runs; false when it is not running.</summary>
    Task<bool> TryCancelRunningAsync(string id, CancellationToken cancellationToken);
}

/// <summary>A job a worker of this process runs: its id, and the cancellation that a <c>DELETE</c> (or a lost lease)
/// fires.</summary>
internal sealed class GenerationClaim(string id) : IDisposable
{
    private readonly CancellationTokenSource _cancel = new();

    public string Id { get; } = id;

    public CancellationToken Cancelled => _cancel.Token;

    /// <summary>Fires <see cref="Cancelled"/>; false when the claim is already disposed (the run ended meanwhile).</summary>
    public bool TryCancel()
    {
        try
        {
            _cancel.Cancel();
            return true;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    public void Dispose() => _cancel.Dispose();
}
