using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace EvoR.Api.Generations;

/// <summary>
/// Admission and hand-over of jobs to the workers. A job is pending from admission until its worker is done with it
/// (or it is cancelled while it waits); at most <c>Workers + QueueLimit</c> are pending, so at most
/// <c>QueueLimit</c> wait. Running jobs have a cancellation source here that <c>DELETE</c> fires.
/// </summary>
internal sealed class GenerationQueue(IOptions<GenerationOptions> options)
{
    private readonly Channel<string> _channel = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleWriter = false });
    private readonly HashSet<string> _pending = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CancellationTokenSource> _running = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public ChannelReader<string> Reader => _channel.Reader;

    /// <summary>Jobs admitted and waiting for a worker.</summary>
    public int Waiting
    {
        get
        {
            lock (_lock)
            {
                return _pending.Count - _running.Count;
            }
        }
    }

    public int Running
    {
        get
        {
            lock (_lock)
            {
                return _running.Count;
            }
        }
    }

    /// <summary>Reserves a place for a new job; false when the queue is full.</summary>
    public bool TryReserve(string id)
    {
        var o = options.Value;
        lock (_lock)
        {
            if (_pending.Count >= o.Workers + o.QueueLimit)
            {
                return false;
            }

            _pending.Add(id);
            return true;
        }
    }

    /// <summary>Gives a reserved job to the workers.</summary>
    public void Enqueue(string id) => _channel.Writer.TryWrite(id);

    /// <summary>Queues a job found queued at start, whatever the limit (it was admitted before the restart).</summary>
    public void Requeue(string id)
    {
        lock (_lock)
        {
            if (!_pending.Add(id))
            {
                return;
            }
        }

        _channel.Writer.TryWrite(id);
    }

    /// <summary>Drops a job that will not run (not stored, or cancelled while it waited).</summary>
    public void Release(string id)
    {
        lock (_lock)
        {
            _pending.Remove(id);
        }
    }

    /// <summary>A worker takes a job: false when it is no longer pending (cancelled while it waited).</summary>
    public bool TryBeginRun(string id, CancellationTokenSource cancel)
    {
        lock (_lock)
        {
            if (!_pending.Contains(id))
            {
                return false;
            }

            _running[id] = cancel;
            return true;
        }
    }

    public void EndRun(string id)
    {
        lock (_lock)
        {
            _running.Remove(id);
            _pending.Remove(id);
        }
    }

    /// <summary>Asks a running job to stop; false when it is not running here.</summary>
    public bool TryCancelRunning(string id)
    {
        CancellationTokenSource? cancel;
        lock (_lock)
        {
            if (!_running.TryGetValue(id, out cancel))
            {
                return false;
            }
        }

        try
        {
            cancel.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The run ended between the lookup and the cancellation.
            return false;
        }

        return true;
    }
}
