using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace EvoR.Api.Generations.Postgres;

/// <summary>
/// The work queue of every replica is the jobs table. A worker claims the oldest queued job with
/// <c>FOR UPDATE SKIP LOCKED</c> (two replicas never take the same one) and, in the same statement, marks it running
/// under this replica's lease; <see cref="RenewLeasesAsync"/> extends the leases of the jobs running here. A replica
/// that dies stops renewing, and a live one's recovery marks its jobs interrupted: nothing is run twice. A
/// <c>DELETE</c> on any replica reaches the job's replica through <c>cancel_requested</c> and a NOTIFY.
/// </summary>
internal sealed class PostgresGenerationQueue(
    PostgresGenerationDatabase database,
    IOptions<GenerationOptions> options,
    TimeProvider time,
    ILogger<PostgresGenerationQueue> logger) : IGenerationQueue
{
    private readonly ConcurrentDictionary<string, GenerationClaim> _running = new(StringComparer.Ordinal);

    // One pending wake-up at most: a worker that claims a job passes it on, so idle workers take queued jobs in turn.
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private volatile int _waiting;

    public int Waiting => _waiting;

    public int Running => _running.Count;

    /// <summary>
    /// At most <c>QueueLimit</c> jobs wait across all replicas, besides those this replica's free workers take at once:
    /// on one replica, the single-process queue's rule (queued + running below <c>Workers + QueueLimit</c>). Counted at
    /// admission: two replicas admitting at the same moment may each let one more in.
    /// </summary>
    public async Task<bool> TryReserveAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = PostgresGenerationStore.Command(connection, null, "SELECT count(*) FROM generation_jobs WHERE status = 'queued';");
        var queued = (int)(long)(await command.ExecuteScalarAsync(cancellationToken))!;
        _waiting = queued;
        var o = options.Value;
        return queued < o.QueueLimit + Math.Max(0, o.Workers - _running.Count);
    }

    /// <summary>The insert's NOTIFY wakes every replica; this replica's workers are woken at once as well.</summary>
    public void Enqueue(string id) => Wake();

    /// <summary>Nothing to do: a queued job is in the table, which every worker reads.</summary>
    public void Requeue(string id)
    {
    }

    public void Release(string id)
    {
    }

    public async Task<GenerationClaim> ClaimNextAsync(CancellationToken stopping)
    {
        var poll = TimeSpan.FromSeconds(options.Value.Postgres.PollSeconds);
        while (true)
        {
            stopping.ThrowIfCancellationRequested();
            string? id = null;
            try
            {
                // No token on the claim itself: a claim cancelled after its commit would leave a job running that no
                // worker here runs (its lease would end it interrupted, but a stop must not cost a job).
                id = await ClaimAsync(CancellationToken.None);
            }
            catch (Exception ex)
            {
                // The database is away (restarting, unreachable, pool exhausted): the worker waits and tries again.
                PostgresGenerationLog.ClaimFailed(logger, poll.TotalSeconds, ex);
            }

            if (id is not null)
            {
                var claim = new GenerationClaim(id);
                _running[id] = claim;
                Wake();
                return claim;
            }

            await WaitForWorkAsync(poll, stopping);
        }
    }

    public void Complete(GenerationClaim claim)
    {
        _running.TryRemove(claim.Id, out _);
        claim.Dispose();
    }

    public async Task<bool> TryCancelRunningAsync(string id, CancellationToken cancellationToken)
    {
        if (CancelHere(id))
        {
            return true;
        }

        // Running elsewhere: the flag outlives a missed notification (the job's replica reads it with its leases).
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = PostgresGenerationStore.Command(connection, null, $"""
            WITH asked AS (
                UPDATE generation_jobs SET cancel_requested = true WHERE id = @id AND status = 'running' RETURNING id)
            SELECT pg_notify('{PostgresGenerationDatabase.CancelsChannel}', id) FROM asked;
            """, ("id", id));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken);
    }

    /// <summary>Cancels the job if it runs here; false otherwise.</summary>
    public bool CancelHere(string id) => _running.TryGetValue(id, out var claim) && claim.TryCancel();

    /// <summary>Wakes one idle worker to look for a queued job.</summary>
    public void Wake() => _wake.Writer.TryWrite(true);

    /// <summary>
    /// Extends the lease of every job running here. A job asked to stop (<c>cancel_requested</c>) is cancelled; one
    /// whose lease is no longer this replica's (it ran out while the database could not be reached, and another
    /// replica ended the job) is cancelled too: its end is already written.
    /// </summary>
    public async Task RenewLeasesAsync(CancellationToken cancellationToken)
    {
        var ids = _running.Keys.ToArray();
        if (ids.Length == 0)
        {
            return;
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = PostgresGenerationStore.Command(connection, null, """
            UPDATE generation_jobs SET lease_expires_at = now() + make_interval(secs => @lease)
            WHERE id = ANY(@ids) AND status = 'running' AND lease_owner = @owner
            RETURNING id, cancel_requested;
            """, ("lease", (double)database.LeaseSeconds), ("ids", ids), ("owner", database.ReplicaId));
        var held = new HashSet<string>(StringComparer.Ordinal);
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var id = reader.GetString(0);
                held.Add(id);
                if (reader.GetBoolean(1))
                {
                    CancelHere(id);
                }
            }
        }

        foreach (var id in ids.Where(id => !held.Contains(id)))
        {
            // Also a job that finished between the snapshot and the update: cancelling it then does nothing.
            if (_running.ContainsKey(id) && CancelHere(id))
            {
                PostgresGenerationLog.LeaseLost(logger, id);
            }
        }
    }

    private async Task<string?> ClaimAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = PostgresGenerationStore.Command(connection, null, $"""
            WITH next AS (
                SELECT id FROM generation_jobs WHERE status = 'queued' ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED),
            claimed AS (
                UPDATE generation_jobs j
                SET status = 'running', started_at = @now, lease_owner = @owner, lease_expires_at = now() + make_interval(secs => @lease)
                FROM next WHERE j.id = next.id AND j.status = 'queued'
                RETURNING j.id)
            SELECT id, pg_notify('{PostgresGenerationDatabase.EventsChannel}', id) FROM claimed;
            """, ("now", PostgresGenerationStore.Timestamp(time.GetUtcNow())), ("owner", database.ReplicaId),
            ("lease", (double)database.LeaseSeconds));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? reader.GetString(0) : null;
    }

    private async Task WaitForWorkAsync(TimeSpan poll, CancellationToken stopping)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        timeout.CancelAfter(poll);
        try
        {
            await _wake.Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            // No wake-up within the poll interval: look again anyway (a NOTIFY may have been missed).
        }
    }
}
