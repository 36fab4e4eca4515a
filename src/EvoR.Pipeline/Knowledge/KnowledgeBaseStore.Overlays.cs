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
        if (parent is not null)
        {
            // An unknown parent is a 404, like every other method.
            Get(parent);
        }

        await _catalog.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return
            [
                .. Metas()
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
        Get(name);
        await _catalog.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var kb = Open(name, "name");
            foreach (var overlay in Metas().Where(m => m.Parent == name).Select(m => m.Name).ToList())
            {
                await DeleteLockedAsync(Open(overlay, "name"), cancellationToken).ConfigureAwait(false);
            }

            await DeleteLockedAsync(kb, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _catalog.Release();
        }
    }

    public async Task<IngestResult> PromoteAsync(string overlayName, IEnumerable<string>? documentIds = null, CancellationToken cancellationToken = default)
    {
        var overlay = Get(overlayName);
        var parent = overlay.Meta.Parent is { } p ? Get(p)
            : throw new KnowledgeException(KnowledgeErrorKind.InvalidRequest, $"'{overlayName}' is not an overlay; only overlay documents can be promoted.", "name");
        var jobId = overlay.Meta.JobId ?? JobOfDescription(overlay.Meta);
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
            IngestResult result;
            await parent.WriteLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                result = AddLocked(parent, null, docs, cancellationToken);
            }
            finally
            {
                parent.WriteLock.Release();
            }

            overlay.Remove(ids);
            KnowledgeLog.Promoted(_logger, overlayName, parent.Name, result.Added + result.Updated);
            return result;
        }
        finally
        {
            overlay.WriteLock.Release();
        }
    }

    /// <summary>Closes and removes one base; the caller holds the catalogue lock.</summary>
    private async Task DeleteLockedAsync(KnowledgeBase kb, CancellationToken cancellationToken)
    {
        await kb.WriteLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        _open.TryRemove(kb.Name, out _);
        kb.Dispose();
        Directory.Delete(kb.Path, recursive: true);
        KnowledgeLog.BaseDeleted(_logger, kb.Name);
    }

    /// <summary>The metadata of every base and overlay on disk.</summary>
    private IEnumerable<KnowledgeBaseMeta> Metas() =>
        Directory.EnumerateDirectories(_root)
            .Where(d => Path.GetFileName(d) is { } n && KnowledgeValidation.IsValidName(n))
            .Select(KnowledgeBase.ReadMeta)
            .OfType<KnowledgeBaseMeta>();

    /// <summary>The job of an overlay made before overlays recorded it, from the description they were given.</summary>
    private static string? JobOfDescription(KnowledgeBaseMeta meta) =>
        meta.Parent is not null && meta.Description is { } d && d.StartsWith(OverlayDescriptionPrefix, StringComparison.Ordinal)
            && OverlayDescriptionRegex().Match(d) is { Success: true } m
            ? m.Groups["job"].Value
            : null;
}
