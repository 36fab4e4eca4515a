using Microsoft.Extensions.Logging;

namespace EvoR.Pipeline.Methods;

/// <summary>Every log message of the generation methods, with stable event ids (2300–2399). Code, prompts and documents are never logged.</summary>
internal static partial class MethodLog
{
    [LoggerMessage(2300, LogLevel.Information, "{Method} on {ProblemId}: started")]
    public static partial void Started(ILogger logger, string method, string problemId);

    [LoggerMessage(2301, LogLevel.Information, "{Method} on {ProblemId}: round {Round} {Verdict}, {Retrieved} documents, {TokensIn}+{TokensOut} tokens in {ElapsedMs:0} ms")]
    public static partial void Round(ILogger logger, string method, string problemId, int round, string verdict, int retrieved, long tokensIn, long tokensOut, double elapsedMs);

    [LoggerMessage(2302, LogLevel.Information, "{Method} on {ProblemId}: stopped ({StopReason}) after {Rounds} rounds, answer from round {AnswerRound} ({AnswerSource})")]
    public static partial void Finished(ILogger logger, string method, string problemId, string stopReason, int rounds, int answerRound, string answerSource);

    [LoggerMessage(2303, LogLevel.Warning, "{Method} on {ProblemId}: step {Step} degraded: {Reason}")]
    public static partial void StepDegraded(ILogger logger, string method, string problemId, string step, string reason);

    [LoggerMessage(2304, LogLevel.Warning, "Knowledge evolution: overlay {Overlay} refused document {DocumentId} ({Kind})")]
    public static partial void KnowledgeRefused(ILogger logger, string overlay, string documentId, string kind);

    [LoggerMessage(2305, LogLevel.Information, "{Method} on {ProblemId}: hidden tests {Verdict}")]
    public static partial void Scored(ILogger logger, string method, string problemId, string verdict);

    [LoggerMessage(2306, LogLevel.Information, "Search mode {Mode} unavailable in {KnowledgeBase}; retrieving with bm25")]
    public static partial void SearchFallback(ILogger logger, string mode, string knowledgeBase);
}
