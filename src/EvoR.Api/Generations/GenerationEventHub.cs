using System.Collections.Concurrent;

namespace EvoR.Api.Generations;

/// <summary>Wakes the event streams of a job when it has something new (an event, a status). The events themselves
/// are always read from the store, so a stream that joins late, or after a restart, misses nothing.</summary>
internal sealed class GenerationEventHub
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _signals = new(StringComparer.Ordinal);

    /// <summary>A task that completes at the job's next change; take it before reading the store.</summary>
    public Task NextChange(string id) =>
        _signals.GetOrAdd(id, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    /// <summary>Wakes every stream (with PostgreSQL, after notifications may have been missed).</summary>
    public void NotifyAll()
    {
        foreach (var id in _signals.Keys)
        {
            Notify(id);
        }
    }

    public void Notify(string id)
    {
        if (_signals.TryRemove(id, out var signal))
        {
            signal.TrySetResult();
        }
    }
}
