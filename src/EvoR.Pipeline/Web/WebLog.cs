using Microsoft.Extensions.Logging;

namespace EvoR.Pipeline.Web;

/// <summary>Every log message of the Web component, with stable event ids (2200–2299). Page text is never logged.</summary>
internal static partial class WebLog
{
    [LoggerMessage(2200, LogLevel.Information, "Web snapshot {Path} loaded: {Pages} pages")]
    public static partial void SnapshotLoaded(ILogger logger, string path, int pages);

    [LoggerMessage(2201, LogLevel.Debug, "Web search via {Provider}: {Results} results in {ElapsedMs:0} ms")]
    public static partial void Searched(ILogger logger, string provider, int results, double elapsedMs);

    [LoggerMessage(2202, LogLevel.Warning, "Fetching result page {Url} failed; its snippet is kept")]
    public static partial void PageFetchFailed(ILogger logger, string url, Exception exception);
}
