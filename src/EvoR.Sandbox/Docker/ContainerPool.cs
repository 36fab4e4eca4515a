using System.Collections.Concurrent;
using Docker.DotNet.Models;
using Microsoft.Extensions.Logging;

namespace EvoR.Sandbox.Docker;

/// <summary>
/// Ready containers, a few per profile (image, command, environment, limits): created, and with
/// <see cref="DockerSandboxOptions.PoolStarted"/> also started and blocked in their gate, so that a run pays only for
/// attach and its input (or, when not started, the archive upload, attach and the start). A container leaves the pool for exactly one run and is
/// removed after it; nothing is ever reused. Profiles unused for <see cref="DockerSandboxOptions.PoolIdleSeconds"/> lose their containers.
/// </summary>
internal sealed class ContainerPool(DockerEngine engine, DockerSandboxOptions options, TimeProvider time, ILogger logger) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Profile> _profiles = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Task, byte> _inFlight = new();
    private readonly CancellationTokenSource _closing = new();

    /// <summary>Containers ready now, over all profiles.</summary>
    public int ReadyCount => _profiles.Values.Sum(p => p.Ready.Count);

    /// <summary>A fresh container for these parameters: from the pool when one is ready; else the next one that a fill
    /// already under way brings (it started earlier, so it is ready sooner than a new one, and the engine is not asked for
    /// more containers at once than the pool size); else created now. The pool is topped up in the background.</summary>
    public async Task<ReadyContainer> TakeAsync(CreateContainerParameters parameters, CancellationToken cancellationToken)
    {
        if (options.PoolSize == 0 || _closing.IsCancellationRequested)
        {
            return await engine.PrepareAsync(parameters, ContainerSpec.IsGated(parameters), cancellationToken);
        }

        var key = ContainerSpec.ProfileKey(parameters);
        var profile = _profiles.GetOrAdd(key, _ => new Profile(parameters));
        profile.LastUsed = time.GetTimestamp();
        EvictIdle(key);
        ReadyContainer? container;
        TaskCompletionSource<ReadyContainer?>? waiter = null;
        lock (profile.Sync)
        {
            if (!profile.Ready.TryDequeue(out container) && Volatile.Read(ref profile.Filling) > profile.Waiters.Count)
            {
                waiter = new TaskCompletionSource<ReadyContainer?>(TaskCreationOptions.RunContinuationsAsynchronously);
                profile.Waiters.Enqueue(waiter);
            }
        }

        TopUp(profile);
        if (waiter is not null)
        {
            using (cancellationToken.Register(() => waiter.TrySetCanceled(cancellationToken)))
            {
                // Null: that fill failed, or the pool is closing.
                container = await waiter.Task;
            }
        }

        return container ?? await engine.PrepareAsync(parameters, ContainerSpec.IsGated(parameters), cancellationToken);
    }

    /// <summary>Fills every profile used so far (e.g. warming up at start).</summary>
    public void Warm(CreateContainerParameters parameters)
    {
        if (options.PoolSize > 0 && !_closing.IsCancellationRequested)
        {
            TopUp(_profiles.GetOrAdd(ContainerSpec.ProfileKey(parameters), _ => new Profile(parameters)));
        }
    }

    private void TopUp(Profile profile)
    {
        while (true)
        {
            var filling = Volatile.Read(ref profile.Filling);
            if (profile.Ready.Count + filling >= options.PoolSize || _closing.IsCancellationRequested)
            {
                return;
            }

            if (Interlocked.CompareExchange(ref profile.Filling, filling + 1, filling) == filling)
            {
                Track(FillOneAsync(profile));
            }
        }
    }

    private async Task FillOneAsync(Profile profile)
    {
        var handed = false;
        try
        {
            var container = await engine.PrepareAsync(profile.Parameters, ContainerSpec.IsGated(profile.Parameters), _closing.Token);
            if (_closing.IsCancellationRequested || profile.Evicted)
            {
                await engine.RemoveAsync(container.Id);
            }
            else
            {
                handed = Hand(profile, container);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A run creates its own container when none is ready, and reports the fault there.
            DockerLog.PoolFillFailed(logger, profile.Parameters.Image, e.Message);
            _ = Hand(profile, null);
        }
        finally
        {
            Interlocked.Decrement(ref profile.Filling);
        }

        if (handed)
        {
            // The container went to a waiting run and left the pool short: fill again while runs keep coming.
            TopUp(profile);
        }
    }

    /// <summary>Gives a fresh container to the first run still waiting for one (true), else to the pool; null (a failed
    /// fill) sends the first waiting run to create its own.</summary>
    private static bool Hand(Profile profile, ReadyContainer? container)
    {
        lock (profile.Sync)
        {
            while (profile.Waiters.TryDequeue(out var waiter))
            {
                if (waiter.TrySetResult(container))
                {
                    return true;
                }
            }

            if (container is not null)
            {
                profile.Ready.Enqueue(container);
            }

            return false;
        }
    }

    /// <summary>Sends every run still waiting on a fill of this profile to create its own container.</summary>
    private static void ReleaseWaiters(Profile profile)
    {
        lock (profile.Sync)
        {
            while (profile.Waiters.TryDequeue(out var waiter))
            {
                waiter.TrySetResult(null);
            }
        }
    }

    private void EvictIdle(string current)
    {
        var idle = TimeSpan.FromSeconds(options.PoolIdleSeconds);
        var byAge = _profiles.Where(p => p.Key != current).OrderBy(p => p.Value.LastUsed).ToList();
        var excess = _profiles.Count - options.PoolMaxProfiles;
        foreach (var (key, profile) in byAge)
        {
            if ((excess-- > 0 || time.GetElapsedTime(profile.LastUsed) > idle) && _profiles.TryRemove(key, out _))
            {
                profile.Evicted = true;
                ReleaseWaiters(profile);
                while (profile.Ready.TryDequeue(out var container))
                {
                    Track(engine.RemoveAsync(container.Id));
                }
            }
        }
    }

    /// <summary>Keeps a background engine call until it ends, so that disposal can wait for it.</summary>
    public void Track(Task task)
    {
        _inFlight.TryAdd(task, 0);
        _ = task.ContinueWith(t =>
        {
            _inFlight.TryRemove(t, out _);
            if (t.Exception is { } e)
            {
                DockerLog.BackgroundCallFailed(logger, e.GetBaseException().Message);
            }
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Removes every ready container and waits for background calls (removals of used containers included).</summary>
    public async ValueTask DisposeAsync()
    {
        await _closing.CancelAsync();
        foreach (var profile in _profiles.Values)
        {
            ReleaseWaiters(profile);
        }

        await WaitForBackgroundAsync();
        var removals = new List<Task>();
        foreach (var profile in _profiles.Values)
        {
            profile.Evicted = true;
            while (profile.Ready.TryDequeue(out var container))
            {
                removals.Add(engine.RemoveAsync(container.Id));
            }
        }

        try
        {
            await Task.WhenAll(removals).WaitAsync(TimeSpan.FromSeconds(30), time);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            DockerLog.BackgroundCallFailed(logger, e.Message);
        }

        _closing.Dispose();
    }

    /// <summary>Waits (bounded) for the background calls in flight now.</summary>
    public async Task WaitForBackgroundAsync()
    {
        try
        {
            await Task.WhenAll(_inFlight.Keys.ToArray()).WaitAsync(TimeSpan.FromSeconds(30), time);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Logged by Track's continuation; a hung engine must not hang shutdown.
        }
    }

    private sealed class Profile(CreateContainerParameters parameters)
    {
        public CreateContainerParameters Parameters { get; } = parameters;
        public ConcurrentQueue<ReadyContainer> Ready { get; } = new();

        public Lock Sync { get; } = new();

        /// <summary>Runs waiting for a fill under way (never more than fills under way); guarded by the profile's lock.</summary>
        public Queue<TaskCompletionSource<ReadyContainer?>> Waiters { get; } = new();
        public int Filling;
        public long LastUsed;
        public volatile bool Evicted;
    }
}
