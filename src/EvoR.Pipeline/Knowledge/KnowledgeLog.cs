using Microsoft.Extensions.Logging;

namespace EvoR.Pipeline.Knowledge;

/// <summary>Every log message of the Knowledge component, with stable event ids (2000–2099). Document text is never logged.</summary>
internal static partial class KnowledgeLog
{
    [LoggerMessage(2000, LogLevel.Information, "Knowledge base {Name} created (parent {Parent})")]
    public static partial void BaseCreated(ILogger logger, string name, string? parent);

    [LoggerMessage(2001, LogLevel.Information, "Knowledge base {Name} opened: {Documents} documents, {Chunks} chunks, {Vectors} vectors in {ElapsedMs:0} ms")]
    public static partial void BaseOpened(ILogger logger, string name, int documents, int chunks, int vectors, double elapsedMs);

    [LoggerMessage(2002, LogLevel.Information, "Knowledge base {Name} deleted")]
    public static partial void BaseDeleted(ILogger logger, string name);

    [LoggerMessage(2003, LogLevel.Information, "Knowledge base {Name}: {Added} added, {Updated} updated, {Skipped} skipped, {Chunks} chunks, {Embedded} embedded, {CacheHits} from cache in {ElapsedMs:0} ms")]
    public static partial void DocumentsAdded(ILogger logger, string name, int added, int updated, int skipped, int chunks, int embedded, int cacheHits, double elapsedMs);

    [LoggerMessage(2004, LogLevel.Information, "Knowledge base {Name}: {Removed} documents removed")]
    public static partial void DocumentsRemoved(ILogger logger, string name, int removed);

    [LoggerMessage(2005, LogLevel.Information, "Promoted {Count} documents from overlay {Overlay} into {Parent}")]
    public static partial void Promoted(ILogger logger, string overlay, string parent, int count);

    [LoggerMessage(2006, LogLevel.Debug, "Document {Id} skipped in {Name}: {Reason} {DuplicateOf}")]
    public static partial void DocumentSkipped(ILogger logger, string name, string id, SkipReason reason, string? duplicateOf);

    [LoggerMessage(2007, LogLevel.Debug, "Search in {Name} ({Mode}, k={K}): {Hits} hits in {ElapsedMs:0.00} ms")]
    public static partial void Searched(ILogger logger, string name, string mode, int k, int hits, double elapsedMs);

    [LoggerMessage(2008, LogLevel.Information, "Knowledge replica started: {Bases} bases caught up, following from sequence {Sequence}, in {ElapsedMs:0} ms")]
    public static partial void ReplicaStarted(ILogger logger, int bases, long sequence, double elapsedMs);

    [LoggerMessage(2009, LogLevel.Warning, "Knowledge replica could not follow the source after sequence {Sequence}; retrying")]
    public static partial void FollowFailed(ILogger logger, long sequence, Exception exception);

    [LoggerMessage(2010, LogLevel.Information, "Knowledge base {Name}: local copy (re)built from the source")]
    public static partial void LocalCopyRebuilt(ILogger logger, string name);
}
