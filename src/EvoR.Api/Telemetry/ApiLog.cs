namespace EvoR.Api.Telemetry;

/// <summary>
/// Every log message of the API, in one place with stable event ids (1000–1999; knowledge bases 1100–1199, generations 1200–1299). Program
/// code, program output, queries and documents are never logged here; only their sizes, languages and verdicts.
/// </summary>
internal static partial class ApiLog
{
    [LoggerMessage(1001, LogLevel.Information, "Execution finished: {Language} {Verdict} in {DurationMs} ms on {Backend}")]
    public static partial void ExecutionFinished(ILogger logger, string language, string verdict, long durationMs, string backend);

    [LoggerMessage(1002, LogLevel.Error, "The sandbox failed an execution in {Language}: {Reason}")]
    public static partial void SandboxFailed(ILogger logger, string language, string? reason);

    [LoggerMessage(1003, LogLevel.Warning, "The sandbox is busy; an execution was refused (retry after {RetryAfterSeconds} s)")]
    public static partial void SandboxBusy(ILogger logger, int retryAfterSeconds);

    [LoggerMessage(1004, LogLevel.Information, "Execution request refused: {ProblemType} ({Field})")]
    public static partial void ExecutionRefused(ILogger logger, string problemType, string? field);

    [LoggerMessage(1005, LogLevel.Debug, "Execution request: {Language}, {CodeBytes} bytes of code, {StdinBytes} bytes of stdin, tests {TestKind}")]
    public static partial void ExecutionRequested(ILogger logger, string language, int codeBytes, int stdinBytes, string testKind);

    [LoggerMessage(1010, LogLevel.Information, "Request rejected with {StatusCode} {ProblemType}")]
    public static partial void RequestRejected(ILogger logger, int statusCode, string problemType);

    [LoggerMessage(1011, LogLevel.Warning, "Rate limit reached for {Partition}")]
    public static partial void RateLimited(ILogger logger, string partition);

    [LoggerMessage(1020, LogLevel.Error, "The sandbox health probe failed")]
    public static partial void HealthProbeFailed(ILogger logger, Exception exception);

    [LoggerMessage(1021, LogLevel.Error, "The knowledge store health check failed")]
    public static partial void KnowledgeCheckFailed(ILogger logger, Exception exception);

    [LoggerMessage(1022, LogLevel.Information, "LLM endpoint {Endpoint} answered (models list) in {LatencyMs} ms; model {Model}")]
    public static partial void LlmAnswered(ILogger logger, string endpoint, string model, long latencyMs);

    [LoggerMessage(1023, LogLevel.Information, "LLM endpoint {Endpoint} is reachable: it answered {StatusCode} to its models list")]
    public static partial void LlmReachable(ILogger logger, string endpoint, int statusCode);

    [LoggerMessage(1024, LogLevel.Warning, "LLM endpoint {Endpoint} unreachable: {Reason}; generations fail until it answers")]
    public static partial void LlmUnreachable(ILogger logger, string endpoint, string reason);

    [LoggerMessage(1025, LogLevel.Warning, "No LLM configured. {Reason} Generations answer 503 llm-not-configured")]
    public static partial void NoLlmConfigured(ILogger logger, string reason);

    [LoggerMessage(1026, LogLevel.Information, "LLM: {Status}, {Reason}")]
    public static partial void LlmWithoutEndpoint(ILogger logger, string status, string reason);

    [LoggerMessage(1040, LogLevel.Information, "Data folder: {DataRoot} (knowledge bases {KnowledgeRoot}, job database {DatabasePath}); back up this folder")]
    public static partial void DataFolder(ILogger logger, string dataRoot, string knowledgeRoot, string databasePath);

    [LoggerMessage(1041, LogLevel.Critical, "EvoR did not start: {Reason}")]
    public static partial void StartRefused(ILogger logger, string reason);

    [LoggerMessage(1030, LogLevel.Information, "API key authentication failed: {Reason}")]
    public static partial void AuthenticationFailed(ILogger logger, string reason);

    [LoggerMessage(1031, LogLevel.Error,
        "Refusing to start: the service would listen on {Addresses}, beyond loopback, but no API key is configured. " +
        "Configure at least one key under Auth:ApiKeys (Name and Sha256, the lowercase hex SHA-256 of the key), " +
        "or listen on a loopback address only (e.g. --urls http://127.0.0.1:5080).")]
    public static partial void RefusingOpenNonLoopback(ILogger logger, string addresses);

    [LoggerMessage(1032, LogLevel.Warning,
        "No API key is configured (Auth:ApiKeys): the API is open, without authentication, to anyone on this machine; " +
        "it listens on loopback only ({Addresses}).")]
    public static partial void OpenOnLoopback(ILogger logger, string addresses);

    [LoggerMessage(1033, LogLevel.Information, "API key authentication is on: {KeyCount} key(s) configured")]
    public static partial void ApiKeysConfigured(ILogger logger, int keyCount);

    [LoggerMessage(1101, LogLevel.Information, "Knowledge base {KnowledgeBase} created")]
    public static partial void KnowledgeBaseCreated(ILogger logger, string knowledgeBase);

    [LoggerMessage(1102, LogLevel.Information, "Documents sent to knowledge base {KnowledgeBase}: {Added} added, {Updated} updated, {Skipped} skipped")]
    public static partial void KnowledgeDocumentsAdded(ILogger logger, string knowledgeBase, int added, int updated, int skipped);

    [LoggerMessage(1103, LogLevel.Debug, "Knowledge base {KnowledgeBase} searched ({Mode}, k {K}): {Hits} hits")]
    public static partial void KnowledgeBaseSearched(ILogger logger, string knowledgeBase, string mode, int? k, int hits);

    // Document ids are the client's own strings: not logged, so they cannot forge log lines.
    [LoggerMessage(1104, LogLevel.Information, "A document was deleted from knowledge base {KnowledgeBase}")]
    public static partial void KnowledgeDocumentDeleted(ILogger logger, string knowledgeBase);

    [LoggerMessage(1105, LogLevel.Information, "Knowledge-base request refused: {ProblemType} ({Field})")]
    public static partial void KnowledgeRequestRefused(ILogger logger, string problemType, string? field);

    [LoggerMessage(1201, LogLevel.Information, "Generation {JobId} queued: {Method}, {Language} (via {Origin})")]
    public static partial void GenerationQueued(ILogger logger, string jobId, string method, string language, string origin);

    [LoggerMessage(1202, LogLevel.Information, "Generation {JobId} started: {Method}")]
    public static partial void GenerationStarted(ILogger logger, string jobId, string method);

    [LoggerMessage(1203, LogLevel.Information, "Generation {JobId} ({Method}) ended {Status} {ErrorType} after {ElapsedMs:0} ms")]
    public static partial void GenerationFinished(ILogger logger, string jobId, string method, string status, string? errorType, double elapsedMs);

    [LoggerMessage(1204, LogLevel.Warning, "Generation queue full; a job was refused (retry after {RetryAfterSeconds} s)")]
    public static partial void GenerationQueueFull(ILogger logger, int retryAfterSeconds);

    [LoggerMessage(1205, LogLevel.Information, "Generation request refused: {ProblemType} ({Field})")]
    public static partial void GenerationRefused(ILogger logger, string problemType, string? field);

    [LoggerMessage(1206, LogLevel.Warning,
        "Generations recovered from {DatabasePath}: {Interrupted} job(s) that were running marked interrupted, {Queued} queued job(s) queued again")]
    public static partial void GenerationsRecovered(ILogger logger, int interrupted, int queued, string databasePath);

    [LoggerMessage(1207, LogLevel.Error, "Generation {JobId} failed on a fault of the service")]
    public static partial void GenerationCrashed(ILogger logger, string jobId, Exception exception);

    [LoggerMessage(1208, LogLevel.Information, "Generation {JobId} cancelled while {State}")]
    public static partial void GenerationCancelled(ILogger logger, string jobId, string state);

    [LoggerMessage(1209, LogLevel.Warning, "Generation refused: no language model is configured (missing {MissingSettings})")]
    public static partial void GenerationWithoutModel(ILogger logger, string missingSettings);
}
