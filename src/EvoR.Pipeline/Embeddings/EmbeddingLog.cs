using Microsoft.Extensions.Logging;

namespace EvoR.Pipeline.Embeddings;

/// <summary>Every log message of the Embeddings component, with stable event ids (2100–2199).</summary>
internal static partial class EmbeddingLog
{
    [LoggerMessage(2100, LogLevel.Information, "Embedding model {ModelId} loaded on {Provider} ({Dimensions} dimensions) from {Origin} in {ElapsedMs:0} ms")]
    public static partial void ModelLoaded(ILogger logger, string modelId, string provider, int dimensions, string origin, double elapsedMs);

    [LoggerMessage(2101, LogLevel.Warning, "CUDA execution provider unavailable on device {DeviceId}; embeddings run on CPU")]
    public static partial void CudaUnavailable(ILogger logger, int deviceId, Exception exception);

    [LoggerMessage(2102, LogLevel.Information, "Embedding cache {Path} loaded: {Count} vectors")]
    public static partial void CacheLoaded(ILogger logger, string path, int count);

    [LoggerMessage(2103, LogLevel.Warning, "Embedding cache {Path} had a torn record at its end; truncated to {Count} vectors")]
    public static partial void CacheTruncated(ILogger logger, string path, int count);

    [LoggerMessage(2104, LogLevel.Warning, "Embedding cache is full ({MaxEntries} vectors); new vectors are no longer cached")]
    public static partial void CacheFull(ILogger logger, int maxEntries);

    [LoggerMessage(2105, LogLevel.Information, "Embedding model quantised to int8: {MatMuls} MatMuls, weights {BytesBefore} → {BytesAfter} bytes ({Bits}-bit range) in {ElapsedMs:0} ms")]
    public static partial void ModelQuantized(ILogger logger, int matMuls, long bytesBefore, long bytesAfter, int bits, double elapsedMs);

    [LoggerMessage(2106, LogLevel.Warning, "The int8 embedding model could not be written to {Path}; it is quantised again at every start")]
    public static partial void QuantizedModelNotCached(ILogger logger, string path, Exception exception);
}
