using EvoR.Pipeline.Evolution;

namespace EvoR.Pipeline.Methods;

/// <summary>
/// Where the loop's knowledge writes go when several problems evolve one overlay together (the bench's per-run knowledge
/// scope). The loop hands each round's write over instead of writing at once, and leaves when it runs no more rounds;
/// null in <see cref="MethodContext.RoundBarrier"/> (the service, the bench's per-problem scope): written at once.
/// </summary>
public interface IRoundBarrier
{
    /// <summary>
    /// Stages <paramref name="participant"/>'s knowledge write of round <paramref name="round"/> and waits until every
    /// participant still running has staged its own (or left); the staged writes then run one at a time in participant
    /// order, and this returns what the store did with this one. So a round's retrieval, which comes before its write,
    /// sees exactly what earlier rounds wrote, whatever the timing.
    /// </summary>
    Task<EvolvedDocument> WriteAtBarrierAsync(string participant, int round, Func<CancellationToken, Task<EvolvedDocument>> write,
        CancellationToken cancellationToken);

    /// <summary>The participant runs no more rounds (it stopped, failed or was cancelled): the barrier stops waiting for it.
    /// A write it staged and did not see through is dropped. Calling it again does nothing.</summary>
    void Leave(string participant);
}

/// <summary>
/// The synchronous round schedule: every participant's round r is written only after all of them finished round r, in
/// participant order (deterministic, so a group's overlay ends the same under any concurrency). With
/// concurrency slots, a participant gives its slot back while it waits and takes one again before it goes on,
/// so a group larger than the concurrency never waits on itself.
/// </summary>
public sealed class SynchronousRounds : IRoundBarrier
{
    private readonly object _gate = new();
    private readonly IReadOnlyList<string> _order;
    private readonly HashSet<string> _active;
    private readonly Dictionary<string, Staged> _staged = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim? _slots;
    private int _round;

    /// <param name="participants">Every participant, in the order their writes are committed; each must leave or stage every round.</param>
    /// <param name="slots">The caller's concurrency slots, one held by each participant that calls in; null: none.</param>
    public SynchronousRounds(IEnumerable<string> participants, SemaphoreSlim? slots = null)
    {
        ArgumentNullException.ThrowIfNull(participants);
        _order = [.. participants.Distinct(StringComparer.Ordinal)];
        _active = new HashSet<string>(_order, StringComparer.Ordinal);
        _slots = slots;
    }

    /// <summary>The round whose writes are being gathered now.</summary>
    public int Round
    {
        get
        {
            lock (_gate)
            {
                return _round;
            }
        }
    }

    /// <summary>Participants that have not left.</summary>
    public int Active
    {
        get
        {
            lock (_gate)
            {
                return _active.Count;
            }
        }
    }

    /// <exception cref="InvalidOperationException">Not a participant (or it left), a round other than the one being
    /// gathered, or a second write in one round: the caller broke the schedule.</exception>
    public async Task<EvolvedDocument> WriteAtBarrierAsync(string participant, int round, Func<CancellationToken, Task<EvolvedDocument>> write,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(participant);
        ArgumentNullException.ThrowIfNull(write);
        cancellationToken.ThrowIfCancellationRequested();
        var staged = new Staged(write, cancellationToken);
        lock (_gate)
        {
            if (!_active.Contains(participant))
            {
                throw new InvalidOperationException($"'{participant}' is not a participant of this schedule, or it left.");
            }

            if (round != _round)
            {
                throw new InvalidOperationException($"'{participant}' wrote for round {round} while round {_round} is gathered.");
            }

            if (!_staged.TryAdd(participant, staged))
            {
                throw new InvalidOperationException($"'{participant}' already wrote for round {round}.");
            }

            CommitIfComplete();
        }

        _slots?.Release();
        try
        {
            return await staged.Done.Task.WaitAsync(cancellationToken);
        }
        finally
        {
            if (_slots is not null)
            {
                // Taken back even when cancelled: the caller returns its slot as if it had held it all along.
                await _slots.WaitAsync(CancellationToken.None);
            }
        }
    }

    public void Leave(string participant)
    {
        ArgumentNullException.ThrowIfNull(participant);
        lock (_gate)
        {
            if (!_active.Remove(participant))
            {
                return;
            }

            if (_staged.Remove(participant, out var abandoned))
            {
                abandoned.Done.TrySetCanceled();
            }

            CommitIfComplete();
        }
    }

    /// <summary>Under the lock: when every active participant staged, takes the round's writes and commits them apart.</summary>
    private void CommitIfComplete()
    {
        if (_staged.Count == 0 || _active.Any(p => !_staged.ContainsKey(p)))
        {
            return;
        }

        var batch = _order.Where(_staged.ContainsKey).Select(p => _staged[p]).ToList();
        _staged.Clear();
        _round++;
        // Off the caller's execution context: the writes belong to no one participant's trace or usage scope.
        using (ExecutionContext.SuppressFlow())
        {
            _ = Task.Run(() => CommitAsync(batch));
        }
    }

    /// <summary>Runs the writes one at a time in order, then releases every writer: none goes on before all are written.</summary>
    private static async Task CommitAsync(List<Staged> batch)
    {
        var results = new List<(Staged Staged, EvolvedDocument? Result, Exception? Error)>(batch.Count);
        foreach (var staged in batch)
        {
            try
            {
                results.Add((staged, await staged.Write(staged.CancellationToken), null));
            }
            catch (Exception ex)
            {
                results.Add((staged, null, ex));
            }
        }

        foreach (var (staged, result, error) in results)
        {
            if (error is OperationCanceledException)
            {
                staged.Done.TrySetCanceled();
            }
            else if (error is not null)
            {
                staged.Done.TrySetException(error);
            }
            else
            {
                staged.Done.TrySetResult(result!);
            }
        }
    }

    private sealed record Staged(Func<CancellationToken, Task<EvolvedDocument>> Write, CancellationToken CancellationToken)
    {
        public TaskCompletionSource<EvolvedDocument> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
