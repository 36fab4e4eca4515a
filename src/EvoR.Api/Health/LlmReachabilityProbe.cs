using System.Diagnostics;
using System.Net.Http.Headers;
using EvoR.Llm.Configuration;
using Microsoft.Extensions.Options;

namespace EvoR.Api.Health;

/// <summary>
/// Asks the configured LLM endpoint for its models list (<c>GET {endpoint}/models</c>; Azure:
/// <c>GET {endpoint}/openai/models</c>), which costs no tokens, to tell whether the model can be reached at all.
/// </summary>
internal sealed class LlmReachabilityProbe(
    ILlmAvailability availability, IOptions<LlmOptions> llm, IOptions<HealthOptions> options, IHttpClientFactory httpClients)
{
    public const string HttpClientName = "EvoR.Health.Llm";
    private const string AzureApiVersion = "2024-10-21";

    public async Task<LlmCheck> CheckAsync(CancellationToken cancellationToken)
    {
        if (!availability.IsConfigured)
        {
            return Check(LlmCheckStatus.NotConfigured, healthy: true,
                $"Missing settings: {string.Join(", ", availability.MissingSettings)}.");
        }

        if (availability.Provider == LlmProviders.Replay)
        {
            return Check(LlmCheckStatus.Replay, healthy: true, "Answers come from a cassette (Llm:Cassette).");
        }

        if (availability.Endpoint is not { } endpoint)
        {
            return Check(LlmCheckStatus.InProcess, healthy: true, "The model is served in process: no endpoint to reach.");
        }

        var azure = availability.Provider == LlmProviders.Azure;
        var root = endpoint.GetLeftPart(UriPartial.Path).TrimEnd('/');
        using var request = new HttpRequestMessage(HttpMethod.Get,
            azure ? $"{root}/openai/models?api-version={AzureApiVersion}" : $"{root}/models");
        if (llm.Value.ApiKey is { Length: > 0 } key)
        {
            if (azure)
            {
                request.Headers.Add("api-key", key);
            }
            else
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            }
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(options.Value.LlmTimeoutSeconds));
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var response = await httpClients.CreateClient(HttpClientName)
                .SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var status = (int)response.StatusCode;
            var latency = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            return status switch
            {
                >= 200 and < 300 => Check(LlmCheckStatus.Answered, true, "The endpoint answered its models list.", root, status, latency),
                401 or 403 => Check(LlmCheckStatus.Refused, false,
                    $"The endpoint refused the key ({status}): check Llm:ApiKey.", root, status, latency),
                _ => Check(LlmCheckStatus.Reachable, true,
                    $"The endpoint answered {status} to its models list; it can be reached.", root, status, latency),
            };
        }
        catch (Exception error) when (error is HttpRequestException || (error is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            var reason = error is OperationCanceledException
                ? $"no answer within {options.Value.LlmTimeoutSeconds} s (setting Health:LlmTimeoutSeconds)"
                : Innermost(error).Message;
            return Check(LlmCheckStatus.Unreachable, false, reason, root);
        }
    }

    private LlmCheck Check(string status, bool healthy, string message, string? endpoint = null, int? statusCode = null, long? latencyMs = null) =>
        new()
        {
            Status = status,
            Healthy = healthy,
            Provider = availability.Provider,
            Model = availability.Model,
            Endpoint = endpoint ?? availability.Endpoint?.GetLeftPart(UriPartial.Path),
            StatusCode = statusCode,
            LatencyMs = latencyMs,
            Message = message,
        };

    private static Exception Innermost(Exception error)
    {
        while (error.InnerException is not null)
        {
            error = error.InnerException;
        }

        return error;
    }
}
