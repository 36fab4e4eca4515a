using System.Net;

namespace EvoR.Llm.Chat;

/// <summary>Why a language model call failed, stable for callers and metrics (<c>error.type</c>).</summary>
public enum LlmFailureKind
{
    /// <summary>The endpoint answered 429 on every attempt.</summary>
    RateLimited,

    /// <summary>The endpoint answered 5xx on every attempt.</summary>
    ServerError,

    /// <summary>An attempt or the whole call ran past its timeout.</summary>
    Timeout,

    /// <summary>The circuit to the endpoint is open after repeated failures; nothing was sent.</summary>
    CircuitOpen,

    /// <summary>Too many calls were waiting for the endpoint's concurrency limit; nothing was sent.</summary>
    Overloaded,

    /// <summary>The endpoint could not be reached (connection refused, DNS, TLS).</summary>
    Unreachable,

    /// <summary>401/403: the key is wrong or lacks access.</summary>
    Unauthorized,

    /// <summary>Another 4xx: the request was refused as given (unknown model, context too long…).</summary>
    Rejected,

    /// <summary>Anything else (malformed response…).</summary>
    Other,
}

/// <summary>
/// A call reached (or tried to reach) the provider and failed after the resilience pipeline gave up. The message
/// names the provider, model and cause, never the prompt; <see cref="Exception.InnerException"/> keeps the original.
/// </summary>
public sealed class LlmCallFailedException : Exception
{
    public LlmCallFailedException(LlmFailureKind kind, string provider, string model, string detail, Exception? inner = null,
        HttpStatusCode? statusCode = null)
        : base($"The language model call failed ({kind}) for {provider} model '{model}': {detail}", inner)
    {
        Kind = kind;
        Provider = provider;
        Model = model;
        StatusCode = statusCode;
    }

    public LlmCallFailedException()
        : this(LlmFailureKind.Other, "unknown", "unknown", "unspecified")
    {
    }

    public LlmCallFailedException(string message)
        : base(message)
    {
        Provider = "unknown";
        Model = "unknown";
    }

    public LlmCallFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
        Provider = "unknown";
        Model = "unknown";
    }

    public LlmFailureKind Kind { get; }

    public string Provider { get; }

    public string Model { get; }

    /// <summary>The last HTTP status, when the endpoint answered.</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>True for kinds worth retrying later (rate limited, server error, timeout, circuit open, overloaded, unreachable).</summary>
    public bool IsTransient => Kind is LlmFailureKind.RateLimited or LlmFailureKind.ServerError or LlmFailureKind.Timeout
        or LlmFailureKind.CircuitOpen or LlmFailureKind.Overloaded or LlmFailureKind.Unreachable;
}
