using Docker.DotNet;
using Docker.DotNet.Models;
using EvoR.Sandbox.Backends;
using Microsoft.Extensions.Logging;

namespace EvoR.Sandbox.Docker.Scopes;

/// <summary>
/// The containers kept for trust scopes (<see cref="SandboxScope"/>): per scope and profile (image, command, environment,
/// limits: <see cref="ContainerSpec.ProfileKey"/>) the idle ones, each verified clean by its gate after its last run
/// (<see cref="ScopeGate"/>). A run takes an idle one of its own scope, or a new one (created, started and attached
/// here: one attach stream for the container's life); it is given back only when its run ended cleanly and the clean-up
/// was verified, else removed. Containers never move between scopes. A scope's containers are removed when it ends,
/// when they have been idle for <see cref="DockerSandboxOptions.ScopeIdleSeconds"/> (a caller that never ends its scope)
/// and when the backend is disposed (service stop).
/// </summary>
internal sealed class ScopedContainers : IAsyncDisposable
{
    private readonly DockerEngine _engine;
    private readonly DockerSandboxOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Action<Task> _track;
    private readonly Lock _sync = new();
    private readonly Dictionary<SandboxScope, Scope> _scopes = new(ReferenceEqualityComparer.Instance);
    private readonly ITimer _sweep;
    private bool _closed;

    public ScopedContainers(DockerEngine engine, DockerSandboxOptions options, TimeProvider time, ILogger logger, Action<Task> track)
    {
        (_engine, _options, _time, _logger, _track) = (engine, options, time, logger, track);
        var period = TimeSpan.FromSeconds(Math.Max(1, options.ScopeIdleSeconds / 4));
        _sweep = time.CreateTimer(_ => RemoveIdle(), null, period, period);
    }

    /// <summary>Containers kept for scopes now, idle or running (tests and the bench read it).</summary>
    public int Count
    {
        get
        {
            lock (_sync)
            {
                return _scopes.Values.Sum(s => s.All.Count);
            }
        }
    }

    /// <summary>An idle container of this scope and profile, else a new one; null when the scope has ended (the run then
    /// takes a fresh container of its own).</summary>
    public async Task<ScopedContainer?> TakeAsync(SandboxScope scope, CreateContainerParameters parameters, CancellationToken ct)
    {
        var key = ContainerSpec.ProfileKey(parameters);
        lock (_sync)
        {
            if (_closed || (_scopes.TryGetValue(scope, out var known) && known.Ended))
            {
                return null;
            }

            if (known?.Idle.TryGetValue(key, out var idle) == true && idle.TryPop(out var container))
            {
                return container;
            }
        }

        var ready = await _engine.PrepareAsync(parameters, gated: true, ct);
        MultiplexedStream stream;
        try
        {
            stream = await _engine.AttachAsync(ready.Id, ct);
        }
        catch
        {
            _track(_engine.RemoveAsync(ready.Id));
            throw;
        }

        var created = new ScopedContainer(ready.Id, new GateEndFrame(ready.Nonce!), stream, key);
        lock (_sync)
        {
            if (!_closed)
            {
                if (!_scopes.TryGetValue(scope, out var entry))
                {
                    _scopes[scope] = entry = new Scope();
                }

                if (!entry.Ended)
                {
                    entry.All.Add(created);
                    return created;
                }
            }
        }

        Remove(created);
        return null;
    }

    /// <summary>Gives a container that its gate verified clean back to its scope (removed instead if the scope has ended).</summary>
    public void Return(SandboxScope scope, ScopedContainer container)
    {
        lock (_sync)
        {
            if (!_closed && _scopes.TryGetValue(scope, out var entry) && !entry.Ended)
            {
                container.IdleSince = _time.GetTimestamp();
                if (!entry.Idle.TryGetValue(container.Key, out var idle))
                {
                    entry.Idle[container.Key] = idle = new Stack<ScopedContainer>();
                }

                idle.Push(container);
                return;
            }
        }

        Discard(scope, container, "its scope has ended");
    }

    /// <summary>Removes a container that cannot serve its scope again (not verified clean, or its run did not end
    /// cleanly).</summary>
    public void Discard(SandboxScope scope, ScopedContainer container, string reason)
    {
        lock (_sync)
        {
            if (_scopes.TryGetValue(scope, out var entry) && entry.All.Remove(container) && entry.Ended && entry.All.Count == 0)
            {
                _scopes.Remove(scope);
            }
        }

        DockerLog.ScopeContainerDiscarded(_logger, scope.Id, container.Id, reason);
        Remove(container);
    }

    /// <summary>Ends a scope: its idle containers are removed now, those still running when their run ends.</summary>
    public void End(SandboxScope scope)
    {
        List<ScopedContainer> idle;
        lock (_sync)
        {
            if (!_scopes.TryGetValue(scope, out var entry))
            {
                return; // Never used, or its containers were idle long enough to be removed already.
            }

            entry.Ended = true;
            idle = [.. entry.Idle.Values.SelectMany(s => s)];
            entry.Idle.Clear();
            foreach (var container in idle)
            {
                entry.All.Remove(container);
            }

            if (entry.All.Count == 0)
            {
                _scopes.Remove(scope); // Nothing of it runs; runs still under way keep it until they end.
            }
        }

        foreach (var container in idle)
        {
            Remove(container);
        }

        DockerLog.ScopeEnded(_logger, scope.Id, idle.Count);
    }

    /// <summary>Removes containers idle past <see cref="DockerSandboxOptions.ScopeIdleSeconds"/>, and scopes left empty.</summary>
    internal void RemoveIdle()
    {
        var limit = TimeSpan.FromSeconds(_options.ScopeIdleSeconds);
        var stale = new List<ScopedContainer>();
        lock (_sync)
        {
            foreach (var (scope, entry) in _scopes.ToList())
            {
                foreach (var idle in entry.Idle.Values)
                {
                    var keep = idle.Where(c => _time.GetElapsedTime(c.IdleSince) <= limit).Reverse().ToList();
                    stale.AddRange(idle.Where(c => _time.GetElapsedTime(c.IdleSince) > limit));
                    idle.Clear();
                    keep.ForEach(idle.Push);
                }

                entry.All.ExceptWith(stale);
                if (entry.All.Count == 0 && !entry.Ended)
                {
                    _scopes.Remove(scope);
                }
            }
        }

        stale.ForEach(Remove);
    }

    private void Remove(ScopedContainer container)
    {
        container.Stream.Dispose();
        _track(_engine.RemoveAsync(container.Id));
    }

    /// <summary>Removes every scope's containers (running ones too: the service is stopping).</summary>
    public async ValueTask DisposeAsync()
    {
        List<ScopedContainer> all;
        lock (_sync)
        {
            _closed = true;
            all = [.. _scopes.Values.SelectMany(s => s.All)];
            _scopes.Clear();
        }

        await _sweep.DisposeAsync();
        all.ForEach(Remove);
    }

    private sealed class Scope
    {
        public Dictionary<string, Stack<ScopedContainer>> Idle { get; } = new(StringComparer.Ordinal);

        /// <summary>Every container of the scope, idle or running.</summary>
        public HashSet<ScopedContainer> All { get; } = [];

        public bool Ended { get; set; }
    }
}

/// <summary>A scope's container: its gate's end frame, its one attach stream and its profile.</summary>
internal sealed class ScopedContainer(string id, GateEndFrame endFrame, MultiplexedStream stream, string key)
{
    public string Id => id;
    public GateEndFrame EndFrame => endFrame;
    public MultiplexedStream Stream => stream;
    public string Key => key;

    /// <summary>When it went idle (a timestamp of the backend's clock).</summary>
    public long IdleSince { get; set; }

    /// <summary>Runs it served.</summary>
    public int Runs { get; set; }
}
