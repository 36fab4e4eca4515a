using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace EvoR.Api.Generations;

/// <summary>
/// The queue of one process over SQLite: an in-memory channel of job ids. A job is pending from admission until its
/// worker is done with it (or it is cancelled while it waits); at most <c>Workers + QueueLimit</c> are pending, so at
/// most <c>QueueLimit</c> wait. Running jobs have a claim here whose cancellation <c>DELETE</c> fires.
/// </summary>
internal sealed class LocalGenerationQueue(IGenerationStore store, IOptions<GenerationOptions> options) : IGenerationQueue
{
    private readonly Channel<string> _channel = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleWriter = false });
    private readonly HashSet<string> _pending = new(StringComparer.Ordinal);
    private readonly Dictionary<string, GenerationClaim> _running = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

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

    public Task<bool> TryReserveAsync(string id, CancellationToken cancellationToken)
    {
        var o = options.Value;
        lock (_lock)
        {
            if (_pending.Count >= o.Workers + o.QueueLimit)
            {
                return Task.FromResult(false);
            }

            _pending.Add(id);
            return Task.FromResult(true);
        }
    }

    public void Enqueue(string id) => _channel.Writer.TryWrite(id);

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

    public void Release(string id)
    {
        lock (_lock)
        {
            _pending.Remove(id);
        }
    }

    public async Task<GenerationClaim> ClaimNextAsync(CancellationToken stopping)
    {
        while (true)
        {
            var id = await _channel.Reader.ReadAsync(stopping);
            var claim = new GenerationClaim(id);
            // Registered before the store says running, so that a DELETE in between finds either a queued job to
            // cancel in the store or a running one to cancel here.
            lock (_lock)
            {
                if (!_pending.Contains(id))
                {
                    claim.Dispose();
                    continue;
                }

                _running[id] = claim;
            }

            // A job taken as the service stops stays queued, for the next start. Store writes use no token: a job
            // must not be left half-started.
            if (stopping.IsCancellationRequested || !await store.TryStartAsync(id, CancellationToken.None))
            {
                Complete(claim);
                stopping.ThrowIfCancellationRequested();
                continue;
            }

            return claim;
        }
    }

    public void Complete(GenerationClaim claim)
    {
        lock (_lock)
        {
            _running.Remove(claim.Id);
            _pending.Remove(claim.Id);
        }

        claim.Dispose();
    }

    public Task<bool> TryCancelRunningAsync(string id, CancellationToken cancellationToken)
    {
        GenerationClaim? claim;
        lock (_lock)
        {
            if (!_running.TryGetValue(id, out claim))
            {
                return Task.FromResult(false);
            }
        }

        // False when the run ended between the lookup and the cancellation.
        return Task.FromResult(claim.TryCancel());
    }
}
