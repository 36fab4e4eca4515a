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

    /// <summary>A fresh created container for these parameters: from the pool when one is ready, else created now.
    /// The pool is topped up in the background either way.</summary>
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
        var ready = profile.Ready.TryDequeue(out var container);
        TopUp(profile);
        return ready ? container! : await engine.PrepareAsync(parameters, ContainerSpec.IsGated(parameters), cancellationToken);
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
        try
        {
            var container = await engine.PrepareAsync(profile.Parameters, ContainerSpec.IsGated(profile.Parameters), _closing.Token);
            if (_closing.IsCancellationRequested || profile.Evicted)
            {
                await engine.RemoveAsync(container.Id);
            }
            else
            {
                profile.Ready.Enqueue(container);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A run creates its own container when none is ready, and reports the fault there.
            DockerLog.PoolFillFailed(logger, profile.Parameters.Image, e.Message);
        }
        finally
        {
            Interlocked.Decrement(ref profile.Filling);
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
        public int Filling;
        public long LastUsed;
        public volatile bool Evicted;
    }
}
