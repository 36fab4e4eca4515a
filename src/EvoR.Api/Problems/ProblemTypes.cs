namespace EvoR.Api.Problems;

/// <summary>
/// The stable <c>type</c> of every problem detail this API returns (<c>urn:evor:problem:&lt;slug&gt;</c>). Clients branch
/// on these; a slug never changes meaning once published.
/// </summary>
public static class ProblemTypes
{
    public const string Prefix = "urn:evor:problem:";

    public const string InvalidJson = Prefix + "invalid-json";
    public const string Validation = Prefix + "validation";
    public const string UnknownLanguage = Prefix + "unknown-language";
    public const string UnknownLibrary = Prefix + "unknown-library";
    public const string LanguageUnavailable = Prefix + "language-unavailable";
    public const string LimitOutOfRange = Prefix + "limit-out-of-range";
    public const string PayloadTooLarge = Prefix + "payload-too-large";
    public const string UnsupportedTests = Prefix + "unsupported-tests";
    public const string InvalidRequest = Prefix + "invalid-request";
    public const string SandboxBusy = Prefix + "sandbox-busy";
    public const string SandboxError = Prefix + "sandbox-error";
    public const string SandboxUnavailable = Prefix + "sandbox-unavailable";
    public const string Unauthorized = Prefix + "unauthorized";
    public const string Forbidden = Prefix + "forbidden";
    public const string RateLimited = Prefix + "rate-limited";
    public const string NotFound = Prefix + "not-found";
    public const string MethodNotAllowed = Prefix + "method-not-allowed";
    public const string UnsupportedMediaType = Prefix + "unsupported-media-type";
    public const string BadRequest = Prefix + "bad-request";
    public const string UriTooLong = Prefix + "uri-too-long";
    public const string RequestHeadersTooLarge = Prefix + "request-headers-too-large";
    public const string ServiceUnavailable = Prefix + "service-unavailable";
    public const string InternalError = Prefix + "internal-error";
    public const string UnknownKnowledgeBase = Prefix + "unknown-knowledge-base";
    public const string KnowledgeBaseExists = Prefix + "knowledge-base-exists";
    public const string KnowledgeBaseInUse = Prefix + "knowledge-base-in-use";
    public const string InvalidKnowledgeBaseName = Prefix + "invalid-knowledge-base-name";
    public const string UnknownDocument = Prefix + "unknown-document";
    public const string DocumentTooLarge = Prefix + "document-too-large";
    public const string InvalidSourceKind = Prefix + "invalid-source-kind";
    public const string EmptyQuery = Prefix + "empty-query";
    public const string InvalidSearchMode = Prefix + "invalid-search-mode";
    public const string KOutOfRange = Prefix + "k-out-of-range";
    public const string DenseUnavailable = Prefix + "dense-unavailable";

    // Generations.
    public const string LlmNotConfigured = Prefix + "llm-not-configured";
    public const string UnknownMethod = Prefix + "unknown-method";
    public const string GenerationsBusy = Prefix + "generations-busy";
    public const string GenerationFinished = Prefix + "generation-finished";
    public const string InvalidLastEventId = Prefix + "invalid-last-event-id";
    public const string UnknownModel = Prefix + "unknown-model";
    public const string GenerationFailed = Prefix + "generation-failed";

    // How a generation job ended, in its "error" member.
    public const string TimeBudgetExceeded = Prefix + "time-budget-exceeded";
    public const string TokenBudgetExceeded = Prefix + "token-budget-exceeded";
    public const string LlmCallFailed = Prefix + "llm-call-failed";
    public const string KnowledgeBaseError = Prefix + "knowledge-base-error";
    public const string JobInterrupted = Prefix + "generation-interrupted";

    /// <summary>The type for a status code that reached the client without a more specific type.</summary>
    public static string ForStatus(int statusCode) => statusCode switch
    {
        StatusCodes.Status401Unauthorized => Unauthorized,
        StatusCodes.Status403Forbidden => Forbidden,
        StatusCodes.Status404NotFound => NotFound,
        StatusCodes.Status405MethodNotAllowed => MethodNotAllowed,
        StatusCodes.Status413PayloadTooLarge => PayloadTooLarge,
        StatusCodes.Status414UriTooLong => UriTooLong,
        StatusCodes.Status415UnsupportedMediaType => UnsupportedMediaType,
        StatusCodes.Status431RequestHeaderFieldsTooLarge => RequestHeadersTooLarge,
        StatusCodes.Status429TooManyRequests => RateLimited,
        StatusCodes.Status503ServiceUnavailable => ServiceUnavailable,
        >= 500 => InternalError,
        _ => BadRequest,
    };
}
