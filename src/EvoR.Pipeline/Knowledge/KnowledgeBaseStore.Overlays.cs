using System.Text.RegularExpressions;

namespace EvoR.Pipeline.Knowledge;

/// <summary>The store's catalogue beyond one base: overlays listed under their base, a base deleted with its
/// overlays, and an overlay's documents promoted into its base with their provenance.</summary>
public sealed partial class KnowledgeBaseStore
{
    private const string OverlayDescriptionPrefix = "EvoR overlay of job ";

    [GeneratedRegex("^EvoR overlay of job (?<job>\\S+)$")]
    private static partial Regex OverlayDescriptionRegex();

    public async Task<IReadOnlyList<KnowledgeBaseInfo>> ListOverlaysAsync(string? parent, CancellationToken cancellationToken = default)
    {
        await StartedAsync(cancellationToken).ConfigureAwait(false);
        if (parent is not null)
        {
            // An unknown parent is a 404, like every other method.
            await ResolveAsync(parent, "name", cancellationToken).ConfigureAwait(false);
        }

        await _catalog.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return
            [
                .. (await MetasAsync(cancellationToken).ConfigureAwait(false))
                    .Where(m => m.Parent is not null && (parent is null || m.Parent == parent))
                    .Select(m => m.Name)
                    .Order(StringComparer.Ordinal)
                    .Select(n => Info(Open(n, "name"))),
            ];
        }
        finally
        {
            _catalog.Release();
        }
    }

    public async Task DeleteAsync(string name, CancellationToken cancellationToken = default)
    {
        await ResolveAsync(name, "name", cancellationToken).ConfigureAwait(false);
        await _catalog.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_source.IsShared)
            {
                // The replica drops its copies of the base and its overlays as it follows the deletion.
                await CatchUpAsync(await _source.DeleteBaseAsync(name, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
                return;
            }

            var kb = Open(name, "name");
            foreach (var overlay in (await MetasAsync(cancellationToken).ConfigureAwait(false)).Where(m => m.Parent == name).Select(m => m.Name).ToList())
            {
                await CloseAsync(Open(overlay, "name"), cancellationToken).ConfigureAwait(false);
            }

            await CloseAsync(kb, cancellationToken).ConfigureAwait(false);
            await _source.DeleteBaseAsync(name, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _catalog.Release();
        }
    }

    public async Task<IngestResult> PromoteAsync(string overlayName, IEnumerable<string>? documentIds = null, CancellationToken cancellationToken = default)
    {
        var overlay = await ResolveAsync(overlayName, "name", cancellationToken).ConfigureAwait(false);
        var parent = overlay.Meta.Parent is { } p ? await ResolveAsync(p, "name", cancellationToken).ConfigureAwait(false)
            : throw new KnowledgeException(KnowledgeErrorKind.InvalidRequest, $"'{overlayName}' is not an overlay; only overlay documents can be promoted.", "name");
        var jobId = overlay.Meta.JobId ?? JobOfDescription(overlay.Meta);
        IngestResult result;
        IReadOnlyList<PreparedDocument> written;
        long sequence;
        await overlay.WriteLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var ids = documentIds?.Distinct(StringComparer.Ordinal).Where(overlay.Contains).ToList() ?? [.. overlay.DocumentIds()];
            var docs = ids.Select(overlay.GetDocument).OfType<KnowledgeDocument>()
                .Select(d => d with
                {
                    Provenance = (d.Provenance ?? new Provenance()) with { Overlay = overlayName, JobId = d.Provenance?.JobId ?? jobId },
                })
                .ToList();
            await parent.WriteLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var plan = _ingester.Plan(parent, null, docs, cancellationToken);
                cancellationToken.ThrowIfCancellationRequested();
                written = plan.Prepared;
                // Into the parent and out of the overlay together (one transaction with a shared source).
                sequence = await WriteLockedAsync(parent, written, overlay, ids, cancellationToken).ConfigureAwait(false);
                result = plan.ToResult();
            }
            finally
            {
                parent.WriteLock.Release();
            }
        }
        finally
        {
            overlay.WriteLock.Release();
        }

        await FollowOwnWriteAsync(parent, written, sequence, cancellationToken).ConfigureAwait(false);
        KnowledgeLog.Promoted(_logger, overlayName, parent.Name, result.Added + result.Updated);
        return result;
    }

    /// <summary>Closes one base once its writes are done and forgets it; its files are the source's (or the replica's) to remove.</summary>
    private async Task CloseAsync(KnowledgeBase kb, CancellationToken cancellationToken)
    {
        await kb.WriteLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        _open.TryRemove(kb.Name, out _);
        kb.Dispose();
        KnowledgeLog.BaseDeleted(_logger, kb.Name);
    }

    /// <summary>The job of an overlay made before overlays recorded it, from the description they were given.</summary>
    private static string? JobOfDescription(KnowledgeBaseMeta meta) =>
        meta.Parent is not null && meta.Description is { } d && d.StartsWith(OverlayDescriptionPrefix, StringComparison.Ordinal)
            && OverlayDescriptionRegex().Match(d) is { Success: true } m
            ? m.Groups["job"].Value
            : null;
}
