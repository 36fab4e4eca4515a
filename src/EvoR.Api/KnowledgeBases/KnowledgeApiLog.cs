namespace EvoR.Api.KnowledgeBases;

/// <summary>Log messages of the knowledge-base lifecycle (event ids 1150–1159; 1101–1105 are in ApiLog).</summary>
internal static partial class KnowledgeApiLog
{
    [LoggerMessage(1150, LogLevel.Information, "Knowledge base {KnowledgeBase} deleted with its overlays")]
    public static partial void BaseDeleted(ILogger logger, string knowledgeBase);

    [LoggerMessage(1151, LogLevel.Information, "Overlay {Overlay} promoted into {KnowledgeBase}: {Added} added, {Updated} updated, {Skipped} skipped")]
    public static partial void OverlayPromoted(ILogger logger, string overlay, string knowledgeBase, int added, int updated, int skipped);

    [LoggerMessage(1152, LogLevel.Information, "Overlay {Overlay} deleted")]
    public static partial void OverlayDeleted(ILogger logger, string overlay);

    [LoggerMessage(1153, LogLevel.Information, "Overlay {Overlay} of job {JobId} removed {Retention} after its job ended")]
    public static partial void OverlaySwept(ILogger logger, string overlay, string? jobId, TimeSpan retention);

    [LoggerMessage(1154, LogLevel.Warning, "Overlay sweep failed")]
    public static partial void SweepFailed(ILogger logger, Exception exception);

    [LoggerMessage(1155, LogLevel.Information, "Files uploaded to knowledge base {KnowledgeBase}: {Files} files, {Documents} documents, {SkippedFiles} files skipped")]
    public static partial void FilesUploaded(ILogger logger, string knowledgeBase, int files, int documents, int skippedFiles);
}
