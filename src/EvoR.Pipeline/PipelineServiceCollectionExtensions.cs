using EvoR.Pipeline.Embeddings;
using EvoR.Pipeline.Evolution;
using EvoR.Pipeline.Generation;
using EvoR.Pipeline.Knowledge;
using EvoR.Pipeline.Methods;
using EvoR.Pipeline.Retrieval;
using EvoR.Pipeline.Web;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;

namespace EvoR.Pipeline;

public static class PipelineServiceCollectionExtensions
{
    /// <summary>
    /// Registers the pipeline's knowledge store (<see cref="IKnowledgeBaseStore"/>), embedder, and web search source,
    /// binding and validating at start the sections <c>Knowledge</c>, <c>Retrieval</c>, <c>Embeddings</c> and <c>WebSearch</c>
    /// (and, with <c>Knowledge:Store=postgres</c>, that <c>ConnectionStrings:EvoR</c> is set).
    /// Needs nothing else from the host, so a host that serves knowledge bases without generating code calls this alone.
    /// A second call (also through <see cref="AddEvoRPipeline"/>) adds nothing.
    /// </summary>
    public static IServiceCollection AddEvoRKnowledge(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        // Options and the web client's resilience handler are additive: registering them twice would bind, validate
        // and wrap twice.
        if (services.Any(d => d.ServiceType == typeof(KnowledgeBaseStore)))
        {
            return services;
        }

        services.AddOptions<KnowledgeOptions>().Bind(configuration.GetSection(KnowledgeOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RetrievalOptions>().Bind(configuration.GetSection(RetrievalOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<EmbeddingOptions>().Bind(configuration.GetSection(EmbeddingOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<WebSearchOptions>().Bind(configuration.GetSection(WebSearchOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();

        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<KnowledgeTelemetry>();
        services.TryAddSingleton<EmbeddingTelemetry>();
        services.TryAddSingleton<WebTelemetry>();

        services.TryAddSingleton<OnnxSentenceEmbedder>();
        services.TryAddSingleton<ITextEmbedder>(sp => sp.GetRequiredService<OnnxSentenceEmbedder>());
        services.TryAddSingleton<EmbeddingService>();
        // Local folders by default; Knowledge:Store=postgres makes this process a replica of ConnectionStrings:EvoR.
        KnowledgeStoreRegistration.AddKnowledgeStore(services, configuration);
        services.TryAddSingleton<IKnowledgeBaseStore>(sp => sp.GetRequiredService<KnowledgeBaseStore>());

#pragma warning disable EVOR0001 // The live web source is experimental; registering it is not.
        services.AddHttpClient<SearxngWebSource>(SearxngWebSource.HttpClientName, client =>
            {
                // The resilience handler owns timeouts.
                client.Timeout = Timeout.InfiniteTimeSpan;
                client.DefaultRequestHeaders.UserAgent.ParseAdd("EvoR/1.0");
                client.DefaultRequestHeaders.Accept.ParseAdd("application/json");
            })
            .AddStandardResilienceHandler()
            .Configure((HttpStandardResilienceOptions resilience, IServiceProvider sp) =>
            {
                var web = sp.GetRequiredService<IOptions<WebSearchOptions>>().Value;
                var attempt = TimeSpan.FromSeconds(web.AttemptTimeoutSeconds);
                resilience.AttemptTimeout.Timeout = attempt;
                resilience.TotalRequestTimeout.Timeout = TimeSpan.FromSeconds(web.TotalTimeoutSeconds);
                resilience.CircuitBreaker.SamplingDuration = attempt * 2 > TimeSpan.FromSeconds(30) ? attempt * 2 : TimeSpan.FromSeconds(30);
                resilience.Retry.MaxRetryAttempts = web.MaxRetries;
                resilience.Retry.Delay = TimeSpan.FromMilliseconds(web.RetryDelayMs);
            });
        services.TryAddSingleton<SnapshotWebSource>();
        services.TryAddSingleton<NoWebSearchSource>();
        services.TryAddTransient<IWebSearchSource>(sp => sp.GetRequiredService<IOptions<WebSearchOptions>>().Value.Provider switch
        {
            "snapshot" => sp.GetRequiredService<SnapshotWebSource>(),
            "searxng" => sp.GetRequiredService<SearxngWebSource>(),
            _ => sp.GetRequiredService<NoWebSearchSource>(),
        });
#pragma warning restore EVOR0001
        return services;
    }

    /// <summary>
    /// Registers the knowledge layer (<see cref="AddEvoRKnowledge"/>) and the generation methods
    /// (<see cref="IGenerationMethod"/>: every <see cref="MethodCatalog"/> entry: EvoR, EvoR+Reflexion, Vanilla, DocPrompting,
    /// Reflexion and the ablations), <see cref="MethodRunner"/>
    /// and <see cref="HiddenTestScorer"/>, binding section <c>EvoR</c>. The methods need the LLM layer
    /// (<c>AddEvoRLlm</c>) and the sandbox (<c>AddEvoRSandbox</c>) registered by the host. The loop's spans and
    /// instruments are <see cref="PipelineTelemetry"/> (<c>EvoR.Pipeline</c>).
    /// </summary>
    public static IServiceCollection AddEvoRPipeline(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddEvoRKnowledge(configuration);
        services.AddOptions<EvoROptions>().Bind(configuration.GetSection(EvoROptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<PipelineTelemetry>();
        services.TryAddSingleton<GenerationChat>();
        services.TryAddSingleton<DraftExecutor>();
        services.TryAddSingleton<KnowledgeRetriever>();
        services.TryAddSingleton<QueryEvolver>();
        services.TryAddSingleton<KnowledgeEvolver>();
        services.TryAddSingleton<MethodServices>();
        // One method per catalog entry, registered once however often this is called.
        if (!services.Any(d => d.ServiceType == typeof(IGenerationMethod) && d.ImplementationFactory?.Target is CatalogRegistration))
        {
            foreach (var definition in MethodCatalog.All)
            {
                services.AddSingleton<IGenerationMethod>(new CatalogRegistration(definition).Create);
            }
        }

        services.TryAddSingleton<HiddenTestScorer>();
        services.TryAddSingleton<MethodRunner>();
        return services;
    }
}

/// <summary>Creates one catalog method; its type marks the registration so that a second call adds nothing.</summary>
internal sealed class CatalogRegistration(MethodDefinition definition)
{
    public IGenerationMethod Create(IServiceProvider services) => new CatalogMethod(definition, services.GetRequiredService<MethodServices>());
}
