namespace EvoR.Pipeline.Knowledge.Sources;

/// <summary>
/// Where bases and their documents live. The local source (the default) keeps them in the base folders themselves:
/// <c>base.json</c> and the Lucene index are the only copy. A shared source (PostgreSQL) is the truth for every
/// replica: each change gets a sequence number, and each replica's index is a rebuildable copy that follows them.
/// </summary>
internal interface IKnowledgeDocumentSource : IAsyncDisposable, IDisposable
{
    /// <summary>True when the documents live outside the local index, so the index follows <see cref="ReadChangesAsync"/>.</summary>
    bool IsShared { get; }

    /// <summary>Makes the source ready (PostgreSQL: creates or migrates its schema). Idempotent.</summary>
    Task InitializeAsync(CancellationToken cancellationToken);

    /// <summary>Every live base and overlay.</summary>
    Task<IReadOnlyList<SourceBase>> ListBasesAsync(CancellationToken cancellationToken);

    /// <summary>Records a new base; returns its change's sequence. Throws <see cref="KnowledgeErrorKind.BaseAlreadyExists"/>.</summary>
    Task<long> CreateBaseAsync(KnowledgeBaseMeta meta, CancellationToken cancellationToken);

    /// <summary>Removes a base, its overlays and all their documents; returns the last change's sequence.</summary>
    Task<long> DeleteBaseAsync(string name, CancellationToken cancellationToken);

    /// <summary>Applies upserts and removals (possibly over several bases, e.g. a promotion) in one transaction.</summary>
    Task<SourceWrite> WriteDocumentsAsync(IReadOnlyList<DocumentWrite> writes, CancellationToken cancellationToken);

    /// <summary>Up to <paramref name="limit"/> changes after <paramref name="after"/> in sequence order, of one base when
    /// <paramref name="baseName"/> is given. Each row is the latest state of a base or document (a delete is a tombstone).</summary>
    Task<IReadOnlyList<SourceChange>> ReadChangesAsync(long after, int limit, string? baseName, CancellationToken cancellationToken);

    /// <summary>The sequence of the last committed change (0 when none).</summary>
    Task<long> HeadAsync(CancellationToken cancellationToken);

    /// <summary>Returns when a change may have been committed elsewhere, or after <paramref name="timeout"/> (polling fallback).</summary>
    Task WaitForChangeAsync(TimeSpan timeout, CancellationToken cancellationToken);
}

/// <summary>A base as the source holds it: its metadata and the sequence of its creation (its incarnation).</summary>
internal sealed record SourceBase(KnowledgeBaseMeta Meta, long CreatedSequence);

/// <summary>One document written to a base: <see cref="Document"/> (normalised, with its <see cref="Hash"/>) or, when null, removed.</summary>
internal sealed record DocumentWrite(string Base, string Id, KnowledgeDocument? Document, string? Hash);

/// <summary>What a write did: its last sequence (0 when nothing changed) and how many removals found a document.</summary>
internal sealed record SourceWrite(long Sequence, int Removed);

/// <summary>
/// One change: a base (<see cref="Id"/> null: created when <see cref="BaseMeta"/> is set, else deleted) or a document
/// of <see cref="Base"/> (<see cref="Document"/> null: removed).
/// </summary>
internal sealed record SourceChange(long Sequence, string Base, string? Id, KnowledgeDocument? Document, string? Hash, SourceBase? BaseMeta);
