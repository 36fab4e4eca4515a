using EvoR.Pipeline.Knowledge.Sources;

namespace EvoR.Pipeline.Knowledge;

/// <summary>Writing documents: into the base's own index (local source), or into the shared source, which this
/// replica's index then follows before the call returns.</summary>
public sealed partial class KnowledgeBaseStore
{
    public async Task<IngestResult> AddDocumentsAsync(string name, IEnumerable<KnowledgeDocument> documents, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(documents);
        var kb = await ResolveAsync(name, "name", cancellationToken).ConfigureAwait(false);
        var parent = kb.Meta.Parent is { } p ? await ResolveAsync(p, "name", cancellationToken).ConfigureAwait(false) : null;
        var batch = documents as IReadOnlyList<KnowledgeDocument> ?? [.. documents];
        KnowledgeValidation.Documents(batch, _options);
        var started = _time.GetTimestamp();
        using var activity = _telemetry.Source.StartActivity("knowledge.add");
        activity?.SetTag("evor.knowledge.base", name);
        activity?.SetTag("evor.knowledge.documents", batch.Count);

        IngestResult result;
        IReadOnlyList<PreparedDocument> written;
        long sequence;
        await kb.WriteLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var plan = _ingester.Plan(kb, parent, batch, cancellationToken);
            cancellationToken.ThrowIfCancellationRequested();
            written = plan.Prepared;
            sequence = await WriteLockedAsync(kb, written, null, [], cancellationToken).ConfigureAwait(false);
            result = plan.ToResult();
        }
        finally
        {
            kb.WriteLock.Release();
        }

        await FollowOwnWriteAsync(kb, written, sequence, cancellationToken).ConfigureAwait(false);
        var elapsed = _time.GetElapsedTime(started);
        _telemetry.RecordIngest(result, elapsed);
        KnowledgeLog.DocumentsAdded(_logger, name, result.Added, result.Updated, result.Skipped, result.Chunks, result.Embedded, result.EmbeddingCacheHits, elapsed.TotalMilliseconds);
        return result;
    }

    public async Task<int> RemoveDocumentsAsync(string name, IEnumerable<string> documentIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(documentIds);
        var kb = await ResolveAsync(name, "name", cancellationToken).ConfigureAwait(false);
        var ids = documentIds.Distinct(StringComparer.Ordinal).ToList();
        int removed;
        long sequence = 0;
        await kb.WriteLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_source.IsShared)
            {
                var write = await _source.WriteDocumentsAsync([.. ids.Select(id => new DocumentWrite(name, id, null, null))], cancellationToken).ConfigureAwait(false);
                (removed, sequence) = (write.Removed, write.Sequence);
            }
            else
            {
                removed = kb.Remove(ids);
            }
        }
        finally
        {
            kb.WriteLock.Release();
        }

        await CatchUpAsync(sequence, cancellationToken).ConfigureAwait(false);
        KnowledgeLog.DocumentsRemoved(_logger, name, removed);
        return removed;
    }

    /// <summary>
    /// Writes prepared documents into <paramref name="kb"/> and removes <paramref name="removals"/> from
    /// <paramref name="removeFrom"/>: into the local index, or into the shared source in one transaction (the index
    /// then follows). Returns the source's sequence (0 for local). The caller holds the bases' write locks.
    /// </summary>
    private async Task<long> WriteLockedAsync(
        KnowledgeBase kb, IReadOnlyList<PreparedDocument> upserts, KnowledgeBase? removeFrom, IReadOnlyList<string> removals, CancellationToken cancellationToken)
    {
        if (!_source.IsShared)
        {
            kb.Write(upserts);
            removeFrom?.Remove(removals);
            return 0;
        }

        foreach (var p in upserts)
        {
            _handoff[new HandoffKey(kb.Name, p.Id, p.DocumentHash)] = p;
        }

        try
        {
            var writes = upserts.Select(p => new DocumentWrite(kb.Name, p.Id, p.Document, p.DocumentHash))
                .Concat(removeFrom is null ? [] : removals.Select(id => new DocumentWrite(removeFrom.Name, id, null, null)))
                .ToList();
            return (await _source.WriteDocumentsAsync(writes, cancellationToken).ConfigureAwait(false)).Sequence;
        }
        catch
        {
            ForgetHandoff(kb.Name, upserts);
            throw;
        }
    }

    /// <summary>After a write to a shared source: this replica's index follows it before the call returns (read your writes).</summary>
    private async Task FollowOwnWriteAsync(KnowledgeBase kb, IReadOnlyList<PreparedDocument> written, long sequence, CancellationToken cancellationToken)
    {
        try
        {
            await CatchUpAsync(sequence, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ForgetHandoff(kb.Name, written);
        }
    }
}
