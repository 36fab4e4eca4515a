using System.ClientModel;
using System.Net;
using Microsoft.SemanticKernel;
using Polly.CircuitBreaker;
using Polly.RateLimiting;
using Polly.Timeout;

namespace EvoR.Llm.Chat;

/// <summary>Maps what the connector, the SDK and the pipeline throw to <see cref="LlmFailureKind"/>.</summary>
internal static class LlmFailureClassifier
{
    /// <summary>The kind and status of a provider failure, or null for exceptions that pass through unchanged.</summary>
    public static (LlmFailureKind Kind, HttpStatusCode? Status, string Detail)? Classify(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case BrokenCircuitException:
                    return (LlmFailureKind.CircuitOpen, null, "the circuit to the endpoint is open after repeated failures");
                case RateLimiterRejectedException:
                    return (LlmFailureKind.Overloaded, null, "too many calls are waiting for the endpoint's concurrency limit");
                case TimeoutRejectedException t:
                    return (LlmFailureKind.Timeout, null, $"no response within {t.Timeout.TotalMilliseconds:0} ms");
                case HttpOperationException { StatusCode: { } status }:
                    return (FromStatus(status), status, $"HTTP {(int)status}");
                case ClientResultException { Status: > 0 } c:
                    return (FromStatus((HttpStatusCode)c.Status), (HttpStatusCode)c.Status, $"HTTP {c.Status}");
                case HttpRequestException { StatusCode: { } status }:
                    return (FromStatus(status), status, $"HTTP {(int)status}");
                case HttpRequestException h:
                    return (LlmFailureKind.Unreachable, null, h.Message);
                default:
                    break;
            }
        }

        return exception is HttpOperationException or ClientResultException or KernelException
            ? (LlmFailureKind.Other, null, exception.Message)
            : null;
    }

    private static LlmFailureKind FromStatus(HttpStatusCode status) => (int)status switch
    {
        429 => LlmFailureKind.RateLimited,
        401 or 403 => LlmFailureKind.Unauthorized,
        408 => LlmFailureKind.Timeout,
        >= 500 => LlmFailureKind.ServerError,
        _ => LlmFailureKind.Rejected,
    };
}
