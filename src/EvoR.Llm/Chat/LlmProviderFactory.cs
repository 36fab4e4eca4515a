using System.ClientModel;
using System.ClientModel.Primitives;
using Azure.AI.OpenAI;
using EvoR.Llm.Cassettes;
using EvoR.Llm.Configuration;
using EvoR.Llm.Diagnostics;
using EvoR.Llm.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.SemanticKernel.Connectors.AzureOpenAI;
using Microsoft.SemanticKernel.Connectors.OpenAI;
using OpenAI;

namespace EvoR.Llm.Chat;

/// <summary>
/// Builds the configured provider: Semantic Kernel's OpenAI connector (any OpenAI-compatible endpoint) or Azure OpenAI
/// connector over the resilient named HTTP client, or a <see cref="ReplayChatCompletionService"/>.
/// </summary>
internal sealed class LlmProviderFactory(IOptions<LlmOptions> options, ILlmAvailability availability, IHttpClientFactory httpClients,
    ILoggerFactory loggerFactory) : ILlmProviderFactory
{
    /// <summary>Sent as the key to OpenAI-compatible servers that need none (the SDK insists on one).</summary>
    internal const string PlaceholderApiKey = "unused";

    private readonly ILogger _logger = loggerFactory.CreateLogger<LlmChatCompletionService>();

    public LlmProvider Create()
    {
        availability.EnsureConfigured();
        var o = options.Value;
        switch (availability.Provider)
        {
            case LlmProviders.Replay:
            {
                var replay = ReplayChatCompletionService.Load(o.Cassette!, availability.Model);
                Log.ReplayReady(_logger, replay.Cassette, replay.Count, replay.Model);
                return new LlmProvider(LlmProviders.Replay, replay.Model, replay);
            }

            case LlmProviders.Azure:
            {
                var endpoint = availability.Endpoint!;
                var client = new AzureOpenAIClient(endpoint, new ApiKeyCredential(o.ApiKey!), Pipeline(new AzureOpenAIClientOptions()));
                var service = new AzureOpenAIChatCompletionService(availability.Model!, client, availability.Model, loggerFactory);
                Log.ProviderReady(_logger, LlmProviders.Azure, availability.Model!, endpoint.GetLeftPart(UriPartial.Path));
                return new LlmProvider(LlmProviders.Azure, availability.Model!, service, endpoint);
            }

            default:
            {
                var endpoint = availability.Endpoint!;
                var clientOptions = Pipeline(new OpenAIClientOptions());
                clientOptions.Endpoint = endpoint;
                var key = string.IsNullOrWhiteSpace(o.ApiKey) ? PlaceholderApiKey : o.ApiKey;
                var client = new OpenAIClient(new ApiKeyCredential(key), clientOptions);
                var service = new OpenAIChatCompletionService(availability.Model!, client, loggerFactory);
                Log.ProviderReady(_logger, LlmProviders.OpenAI, availability.Model!, endpoint.GetLeftPart(UriPartial.Path));
                return new LlmProvider(LlmProviders.OpenAI, availability.Model!, service, endpoint);
            }
        }
    }

    /// <summary>Routes the SDK through the resilient client and switches off the SDK's own retries and timeout.</summary>
    private T Pipeline<T>(T clientOptions)
        where T : ClientPipelineOptions
    {
        clientOptions.Transport = new HttpClientPipelineTransport(httpClients.CreateClient(LlmResilience.HttpClientName));
        clientOptions.RetryPolicy = new ClientRetryPolicy(maxRetries: 0);
        clientOptions.NetworkTimeout = Timeout.InfiniteTimeSpan;
        return clientOptions;
    }
}

/// <summary>A provider given in code (a test double, a custom connector).</summary>
internal sealed class DelegateProviderFactory(Func<LlmProvider> create) : ILlmProviderFactory
{
    public LlmProvider Create() => create();
}

/// <summary>Availability of a provider given in code: always configured.</summary>
internal sealed class FixedLlmAvailability(string provider, string model, Uri? endpoint) : ILlmAvailability
{
    public bool IsConfigured => true;

    public string Provider => provider;

    public string? Model => model;

    public Uri? Endpoint => endpoint;

    public IReadOnlyList<string> MissingSettings => [];

    public void EnsureConfigured()
    {
    }
}
