using Microsoft.Extensions.Logging;

namespace EvoR.Llm.Diagnostics;

/// <summary>Every log message of the LLM layer, in one place, with stable event ids (1300–1399).
/// Prompts and responses are never logged above Debug; API keys never.</summary>
internal static partial class Log
{
    [LoggerMessage(1300, LogLevel.Information, "LLM provider {Provider} configured: model {Model} at {Endpoint}")]
    public static partial void ProviderReady(ILogger logger, string provider, string model, string endpoint);

    [LoggerMessage(1301, LogLevel.Warning, "No language model is configured (provider {Provider}, missing {Missing}); LLM calls fail with LlmNotConfiguredException")]
    public static partial void NotConfigured(ILogger logger, string provider, string missing);

    [LoggerMessage(1302, LogLevel.Information, "Replaying LLM cassette {Cassette}: {Count} exchanges, model {Model}")]
    public static partial void ReplayReady(ILogger logger, string cassette, int count, string model);

    [LoggerMessage(1303, LogLevel.Information, "Recording every LLM exchange to {Cassette}")]
    public static partial void Recording(ILogger logger, string cassette);

    [LoggerMessage(1310, LogLevel.Debug, "LLM call {Hash} answered by {Provider} {Model} ({Source}) in {DurationMs} ms: {InputTokens} tokens in, {OutputTokens} out")]
    public static partial void CallFinished(ILogger logger, string hash, string provider, string model, string source, long durationMs,
        long inputTokens, long outputTokens);

    [LoggerMessage(1311, LogLevel.Warning, "LLM call {Hash} to {Provider} {Model} failed after {DurationMs} ms: {Kind}")]
    public static partial void CallFailed(ILogger logger, string hash, string provider, string model, long durationMs, string kind);

    [LoggerMessage(1312, LogLevel.Debug, "LLM call {Hash}: last user message {Prompt}; response {Response}")]
    public static partial void Exchange(ILogger logger, string hash, string prompt, string response);

    [LoggerMessage(1313, LogLevel.Warning, "LLM replay has no response for request {Hash} in {Cassette}")]
    public static partial void CassetteMiss(ILogger logger, string hash, string cassette);

    [LoggerMessage(1314, LogLevel.Error, "Could not record an LLM exchange to {Cassette}: {Reason}")]
    public static partial void RecordFailed(ILogger logger, string cassette, string reason);

    [LoggerMessage(1320, LogLevel.Information, "Retrying LLM request to {Authority} (retry {Attempt}) in {DelayMs} ms after {Outcome}")]
    public static partial void Retrying(ILogger logger, string authority, int attempt, long delayMs, string outcome);

    [LoggerMessage(1321, LogLevel.Warning, "LLM circuit to {Authority} opened for {BreakMs} ms after {Outcome}")]
    public static partial void CircuitOpened(ILogger logger, string authority, long breakMs, string outcome);

    [LoggerMessage(1322, LogLevel.Information, "LLM circuit to {Authority} closed")]
    public static partial void CircuitClosed(ILogger logger, string authority);

    [LoggerMessage(1323, LogLevel.Warning, "LLM request to {Authority} refused: {Waiting} already waiting for the endpoint's concurrency limit")]
    public static partial void ConcurrencyRejected(ILogger logger, string authority, int waiting);
}
