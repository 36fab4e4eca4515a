using EvoR.Api.Telemetry;

namespace EvoR.Api.Generations;

/// <summary>What the endpoints do with jobs: create (admission, then the store, then the queue), read, cancel. The
/// first use opens the database and recovers the jobs of the last run, before any worker takes one.</summary>
internal sealed class GenerationService(
    IGenerationStore store,
    IGenerationQueue queue,
    GenerationEventHub hub,
    GenerationTelemetry telemetry,
    TimeProvider time,
    ILogger<GenerationService> logger)
{
    private readonly SemaphoreSlim _readyLock = new(1, 1);
    private volatile bool _ready;

    public GenerationEventHub Hub => hub;

    public string StoreLocation => store.Location;

    /// <summary>Opens the database; marks the jobs that were running when the service last stopped (or died)
    /// interrupted, and queues again those that were queued. Once per process.</summary>
    public async Task EnsureReadyAsync(CancellationToken cancellationToken)
    {
        if (_ready)
        {
            return;
        }

        await _readyLock.WaitAsync(cancellationToken);
        try
        {
            if (_ready)
            {
                return;
            }

            await store.InitializeAsync(cancellationToken);
            var (interrupted, queued) = await store.RecoverAsync(
                job => new GenerationOutcome(GenerationStatus.Interrupted, null, null, job.Usage, GenerationErrors.StoppedWhileRunning),
                GenerationJobRunner.EndEvent, cancellationToken);
            foreach (var id in queued)
            {
                queue.Requeue(id);
            }

            if (interrupted.Count > 0 || queued.Count > 0)
            {
                ApiLog.GenerationsRecovered(logger, interrupted.Count, queued.Count, store.Location);
            }

            _ready = true;
        }
        finally
        {
            _readyLock.Release();
        }
    }

    /// <summary>Stores and queues a new job; null when the queue is full.</summary>
    public async Task<GenerationJobRecord?> CreateAsync(GenerationJobSpec spec, string? owner, CancellationToken cancellationToken)
    {
        await EnsureReadyAsync(cancellationToken);
        var now = time.GetUtcNow();
        var id = "gen_" + Guid.CreateVersion7(now).ToString("N");
        if (!await queue.TryReserveAsync(id, cancellationToken))
        {
            telemetry.Rejected(spec.Method);
            return null;
        }

        var job = new GenerationJobRecord { Id = id, Status = GenerationStatus.Queued, Spec = spec, Owner = owner, CreatedAt = now };
        try
        {
            await store.InsertAsync(job, CancellationToken.None);
        }
        catch
        {
            queue.Release(id);
            throw;
        }

        queue.Enqueue(id);
        telemetry.Created(spec.Method);
        ApiLog.GenerationQueued(logger, id, spec.Method, spec.Language, spec.Origin);
        return job;
    }

    /// <summary>The job, if it exists and <paramref name="owner"/> may see it (a job created with a key is visible to
    /// that key only).</summary>
    public async Task<GenerationJobRecord?> GetAsync(string id, string? owner, CancellationToken cancellationToken)
    {
        await EnsureReadyAsync(cancellationToken);
        var job = await store.GetAsync(id, cancellationToken);
        return job is not null && (job.Owner is null || job.Owner == owner) ? job : null;
    }

    /// <summary>One page of the jobs <paramref name="owner"/> may see, newest first; see <see cref="IGenerationStore.ListAsync"/>.</summary>
    public async Task<IReadOnlyList<GenerationJobRecord>> ListAsync(string? owner, IReadOnlyCollection<GenerationStatus> statuses, string? method,
        (DateTimeOffset CreatedAt, string Id)? after, int limit, CancellationToken cancellationToken)
    {
        await EnsureReadyAsync(cancellationToken);
        return await store.ListAsync(owner, statuses, method, after, limit, cancellationToken);
    }

    public async Task<IReadOnlyList<GenerationEventRecord>> GetEventsAsync(string id, long after, CancellationToken cancellationToken)
    {
        await EnsureReadyAsync(cancellationToken);
        return await store.GetEventsAsync(id, after, cancellationToken);
    }

    /// <summary>
    /// Waits until the job has ended, calling <paramref name="onEvent"/> with each of its events as it is stored
    /// (from the first), or <paramref name="onIdle"/> when nothing happened for <paramref name="idle"/>. Returns the
    /// ended job.
    /// </summary>
    public async Task<GenerationJobRecord> WaitForEndAsync(string id, Func<GenerationEventRecord, Task>? onEvent, TimeSpan idle,
        Func<Task>? onIdle, CancellationToken cancellationToken)
    {
        long after = 0;
        while (true)
        {
            var changed = hub.NextChange(id);
            var job = await store.GetAsync(id, cancellationToken) ?? throw new InvalidOperationException($"Generation {id} vanished.");
            foreach (var e in await store.GetEventsAsync(id, after, cancellationToken))
            {
                after = e.Sequence;
                if (onEvent is not null)
                {
                    await onEvent(e);
                }
            }

            if (job.Status.IsTerminal())
            {
                // The end event is stored with the final status, so it was among the events just read.
                return job;
            }

            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var beat = Task.Delay(idle, time, wait.Token);
            if (await Task.WhenAny(changed, beat) == beat && onIdle is not null)
            {
                await onIdle();
            }

            await wait.CancelAsync();
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>Cancels a queued job at once, or asks a running one to stop. Returns the status after the request,
    /// and whether the job was still active.</summary>
    public async Task<(GenerationStatus Status, bool WasActive)> CancelAsync(GenerationJobRecord job, CancellationToken cancellationToken)
    {
        if (job.Status.IsTerminal())
        {
            return (job.Status, false);
        }

        var cancelled = new GenerationOutcome(GenerationStatus.Cancelled, null, null, job.Usage, null);
        if (await store.TryFinishAsync(job.Id, cancelled, [GenerationStatus.Queued], GenerationJobRunner.EndEvent, CancellationToken.None))
        {
            queue.Release(job.Id);
            hub.Notify(job.Id);
            telemetry.Finished(job.Spec.Method, GenerationStatus.Cancelled, null);
            ApiLog.GenerationCancelled(logger, job.Id, "queued");
            return (GenerationStatus.Cancelled, true);
        }

        if (await queue.TryCancelRunningAsync(job.Id, CancellationToken.None))
        {
            ApiLog.GenerationCancelled(logger, job.Id, "running");
            return (GenerationStatus.Running, true);
        }

        var now = await store.GetAsync(job.Id, cancellationToken);
        return (now?.Status ?? job.Status, false);
    }
}
