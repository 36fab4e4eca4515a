namespace EvoR.Sandbox;

/// <summary>Stable kinds of invalid request; the API maps each to a problem-detail type.</summary>
public enum RequestErrorKind
{
    UnknownLanguage,

    /// <summary>The language is known but not installed for this backend (its toolchain or image is missing).</summary>
    LanguageUnavailable,
    LimitOutOfRange,
    PayloadTooLarge,
    UnsupportedTests,
    InvalidRequest,
    UnknownLibrary,
}

/// <summary>The request cannot be run as given. Nothing was executed.</summary>
public sealed class ExecutionRequestException(RequestErrorKind kind, string message, string? field = null)
    : Exception(message)
{
    public RequestErrorKind Kind { get; } = kind;

    /// <summary>The request member at fault, in JSON path form (e.g. <c>limits.timeoutMs</c>), when there is one.</summary>
    public string? Field { get; } = field;
}

/// <summary>Every worker is busy and the wait queue is full. Nothing was executed.</summary>
public sealed class SandboxBusyException(TimeSpan retryAfter)
    : Exception($"The sandbox pool and its queue are full; retry after {retryAfter.TotalSeconds:0} s.")
{
    public TimeSpan RetryAfter { get; } = retryAfter;
}
