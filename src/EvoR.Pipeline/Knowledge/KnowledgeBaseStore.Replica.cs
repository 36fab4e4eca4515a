using System.Collections.Concurrent;
using EvoR.Pipeline.Knowledge.Sources;

namespace EvoR.Pipeline.Knowledge;

/// <summary>
/// With a shared source, the store is one replica: its local indexes are a rebuildable copy of the source. At start it
/// opens every base of the source, drops local copies of bases the source no longer has, and catches each base up from
/// the sequence its index last committed (a missing or foreign index is rebuilt from 0). It then follows the source's
/// changes in sequence order: woken by the source (PostgreSQL NOTIFY) and at the latest every
/// <see cref="KnowledgeOptions.FollowInterval"/>. Its own writes are followed before they return.
/// </summary>
public sealed partial class KnowledgeBaseStore
{
    /// <summary>Changes read from the source per round trip.</summary>
    private const int ChangePage = 500;

    /// <summary>Documents this replica prepared (chunked, embedded) for its own write, so following it reuses them.</summary>
    private readonly ConcurrentDictionary<HandoffKey, PreparedDocument> _handoff = new();

    /// <summary>One applier at a time: the follow loop or a caller catching up with its own write.</summary>
    private readonly SemaphoreSlim _applying = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _startGate = new();
    private Task? _started;
    private Task? _following;

    /// <summary>Every change up to this sequence is applied (each base also skips what its own index already holds).</summary>
    private long _position;

    /// <summary>Starts the replica (no-op with the local source): schema, catch-up, then following. Idempotent; the
    /// store's methods call it too, so a host without hosted services still starts it on first use.</summary>
    internal Task StartAsync(CancellationToken cancellationToken) => StartedAsync(cancellationToken);

    private Task StartedAsync(CancellationToken cancellationToken)
    {
        if (!_source.IsShared)
        {
            return Task.CompletedTask;
        }

        lock (_startGate)
        {
            // A failed start (database unreachable) is tried again by the next call.
            if (_started is null || _started.IsFaulted || _started.IsCanceled)
            {
                _started = StartReplicaAsync(_stop.Token);
            }

            return _started.WaitAsync(cancellationToken);
        }
    }

    private async Task StartReplicaAsync(CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        await _source.InitializeAsync(cancellationToken).ConfigureAwait(false);
        await _applying.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var head = await _source.HeadAsync(cancellationToken).ConfigureAwait(false);
            var bases = await _source.ListBasesAsync(cancellationToken).ConfigureAwait(false);
            var live = bases.Select(b => b.Meta.Name).ToHashSet(StringComparer.Ordinal);
            var folders = Directory.EnumerateDirectories(_root).Select(Path.GetFileName).OfType<string>().Where(KnowledgeValidation.IsValidName).ToList();
            if (folders.FirstOrDefault(n => LocalDocumentSource.ReadMeta(PathOf(n)) is not null) is { } local)
            {
                // A replica's folders are copies it may delete; a local base is not, so it is never touched.
                throw new InvalidOperationException(
                    $"'{PathOf(local)}' holds a local knowledge base (base.json); with Knowledge:Store=postgres, Knowledge:RootPath must be a folder of the replica's own.");
            }

            foreach (var folder in folders.Where(n => !live.Contains(n)))
            {
                await DropLocalCopyAsync(folder, cancellationToken).ConfigureAwait(false);
            }

            foreach (var source in bases)
            {
                var kb = OpenLocalCopy(source);
                for (var page = await _source.ReadChangesAsync(kb.AppliedSequence, ChangePage, kb.Name, cancellationToken).ConfigureAwait(false);
                     page.Count > 0;
                     page = await _source.ReadChangesAsync(kb.AppliedSequence, ChangePage, kb.Name, cancellationToken).ConfigureAwait(false))
                {
                    await ApplyDocumentsAsync(kb.Name, [.. page.Where(c => c.Id is not null)], page[^1].Sequence, cancellationToken).ConfigureAwait(false);
                }
            }

            Volatile.Write(ref _position, head);
            KnowledgeLog.ReplicaStarted(_logger, bases.Count, head, _time.GetElapsedTime(started).TotalMilliseconds);
        }
        finally
        {
            _applying.Release();
        }

        _following = Task.Run(() => FollowAsync(_stop.Token), CancellationToken.None);
    }

    private async Task FollowAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await ApplyPendingAsync(cancellationToken).ConfigureAwait(false);
                await _source.WaitForChangeAsync(_options.FollowInterval, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                KnowledgeLog.FollowFailed(_logger, Volatile.Read(ref _position), ex);
                try
                {
                    await Task.Delay(_options.FollowInterval, _time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Returns once this replica has applied every change up to <paramref name="sequence"/> (0: at once).</summary>
    private async Task CatchUpAsync(long sequence, CancellationToken cancellationToken)
    {
        if (!_source.IsShared || sequence <= Volatile.Read(ref _position))
        {
            return;
        }

        await ApplyPendingAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task ApplyPendingAsync(CancellationToken cancellationToken)
    {
        await _applying.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (true)
            {
                var page = await _source.ReadChangesAsync(Volatile.Read(ref _position), ChangePage, null, cancellationToken).ConfigureAwait(false);
                if (page.Count == 0)
                {
                    return;
                }

                // Runs of document changes of one base are applied as one write.
                var start = 0;
                for (var i = 0; i <= page.Count; i++)
                {
                    var runEnds = i == page.Count || page[i].Id is null || page[i].Base != page[start].Base;
                    if (runEnds && i > start && page[start].Id is not null)
                    {
                        await ApplyDocumentsAsync(page[start].Base, [.. page.Skip(start).Take(i - start)], page[i - 1].Sequence, cancellationToken).ConfigureAwait(false);
                    }

                    if (i < page.Count && page[i].Id is null)
                    {
                        await ApplyBaseAsync(page[i], cancellationToken).ConfigureAwait(false);
                        start = i + 1;
                    }
                    else if (runEnds)
                    {
                        start = i;
                    }
                }

                Volatile.Write(ref _position, page[^1].Sequence);
            }
        }
        finally
        {
            _applying.Release();
        }
    }

    /// <summary>A base made (or made again under the same name) or deleted in the source.</summary>
    private async Task ApplyBaseAsync(SourceChange change, CancellationToken cancellationToken)
    {
        if (change.BaseMeta is { } made)
        {
            if (!_open.TryGetValue(change.Base, out var existing) || existing.CreatedSequence != made.CreatedSequence)
            {
                OpenLocalCopy(made);
            }

            return;
        }

        await DropLocalCopyAsync(change.Base, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Upserts and removals of one base, up to <paramref name="sequence"/>; what its index already holds is skipped.</summary>
    private async Task ApplyDocumentsAsync(string name, IReadOnlyList<SourceChange> changes, long sequence, CancellationToken cancellationToken)
    {
        if (!_open.TryGetValue(name, out var kb))
        {
            return;
        }

        await kb.WriteLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var pending = changes.Where(c => c.Sequence > kb.AppliedSequence).ToList();
            var upserts = pending
                .Where(c => c.Document is not null && kb.DocumentHash(c.Id!) != c.Hash)
                .Select(c => _handoff.TryGetValue(new HandoffKey(name, c.Id!, c.Hash!), out var own) ? own : _ingester.Prepare(c.Document!, c.Hash!))
                .ToList();
            _ingester.Embed(kb, [.. upserts.Where(p => p.Vectors is null)], cancellationToken);
            kb.MarkApplied(Math.Max(kb.AppliedSequence, sequence), kb.CreatedSequence);
            kb.Write(upserts);
            kb.Remove([.. pending.Where(c => c.Document is null).Select(c => c.Id!)]);
        }
        finally
        {
            kb.WriteLock.Release();
        }
    }

    /// <summary>Opens this replica's copy of a source base, replacing a copy of an earlier base of that name (or a
    /// copy whose origin is unknown, such as a fresh folder) with an empty index to be filled from the source.</summary>
    private KnowledgeBase OpenLocalCopy(SourceBase source)
    {
        lock (_opening)
        {
            var name = source.Meta.Name;
            var path = PathOf(name);
            if (!_open.TryGetValue(name, out var kb))
            {
                kb = KnowledgeBase.Open(path, source.Meta, _analyzer, _similarity, _options.NearDuplicateThreshold);
            }

            if (kb.CreatedSequence != source.CreatedSequence)
            {
                _open.TryRemove(name, out _);
                kb.Dispose();
                Directory.Delete(path, recursive: true);
                kb = KnowledgeBase.Create(path, source.Meta, _analyzer, _similarity, _options.NearDuplicateThreshold);
                kb.MarkApplied(source.CreatedSequence, source.CreatedSequence);
                kb.Commit();
                KnowledgeLog.LocalCopyRebuilt(_logger, name);
            }

            _open[name] = kb;
            return kb;
        }
    }

    private async Task DropLocalCopyAsync(string name, CancellationToken cancellationToken)
    {
        if (_open.TryGetValue(name, out var kb))
        {
            await CloseAsync(kb, cancellationToken).ConfigureAwait(false);
        }

        var path = PathOf(name);
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
    }

    private async Task StopFollowingAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_following is { } following)
        {
            await following.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        if (_started is { } started)
        {
            await started.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private void ForgetHandoff(string name, IReadOnlyList<PreparedDocument> documents)
    {
        foreach (var p in documents)
        {
            _handoff.TryRemove(new HandoffKey(name, p.Id, p.DocumentHash), out _);
        }
    }

    private readonly record struct HandoffKey(string Base, string Id, string Hash);
}
