using System.Diagnostics.Metrics;
using EvoR.Llm.Cassettes;
using EvoR.Llm.Chat;
using EvoR.Llm.Configuration;
using EvoR.Llm.Diagnostics;
using EvoR.Llm.Resilience;
using EvoR.Llm.Usage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.SemanticKernel.ChatCompletion;

namespace EvoR.Llm;

/// <summary>The LLM layer's one registration entry.</summary>
public static class LlmServiceCollectionExtensions
{
    /// <summary>
    /// Binds section <c>Llm</c> (validated on start; an absent model is allowed and reported by
    /// <see cref="ILlmAvailability"/>) and registers <see cref="IChatCompletionService"/> (an
    /// <see cref="LlmChatCompletionService"/> over the configured provider), <see cref="ILlmAvailability"/>,
    /// <see cref="ILlmUsageTracker"/>, the <c>EvoR.Llm</c> telemetry, the resilient HTTP client and, with
    /// <c>Llm:RecordTo</c>, the cassette recorder.
    /// </summary>
    public static IServiceCollection AddEvoRLlm(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<LlmOptions>()
            .Bind(configuration.GetSection(LlmOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LlmOptions>, LlmOptionsValidator>());
        // Data annotations do not recurse: validate the nested resilience section too.
        services.AddOptions<LlmResilienceOptions>()
            .Bind(configuration.GetSection($"{LlmOptions.SectionName}:Resilience"))
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.AddMetrics();
        services.AddLogging();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new LlmTelemetry(sp.GetService<IMeterFactory>()));
        services.TryAddSingleton<ILlmUsageTracker, LlmUsageTracker>();
        services.TryAddSingleton<ILlmAvailability, LlmAvailability>();
        services.TryAddSingleton<ILlmProviderFactory, LlmProviderFactory>();
        services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<LlmOptions>>().Value.RecordTo is { Length: > 0 } path
            ? new CassetteRecorder(path)
            : null!);
        services.TryAddSingleton(sp => new LlmChatCompletionService(
            sp.GetRequiredService<ILlmProviderFactory>(),
            sp.GetRequiredService<ILlmAvailability>(),
            sp.GetRequiredService<ILlmUsageTracker>(),
            sp.GetRequiredService<LlmTelemetry>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<LlmChatCompletionService>>(),
            sp.GetService<CassetteRecorder>()));
        services.TryAddSingleton<IChatCompletionService>(sp => sp.GetRequiredService<LlmChatCompletionService>());
        services.AddHostedService<LlmStartupReporter>();
        services.AddLlmHttpClient();
        return services;
    }

    /// <summary>
    /// Puts a chat service given in code (a scripted double, a custom connector) under the LLM layer instead of the
    /// configured provider: usage, metrics, metadata and recording still apply. Call after <see cref="AddEvoRLlm"/>.
    /// </summary>
    public static IServiceCollection AddEvoRLlmProvider(this IServiceCollection services, string provider, string model,
        Func<IServiceProvider, IChatCompletionService> create, Uri? endpoint = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(provider);
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        ArgumentNullException.ThrowIfNull(create);
        services.Replace(ServiceDescriptor.Singleton<ILlmAvailability>(new FixedLlmAvailability(provider, model, endpoint)));
        services.Replace(ServiceDescriptor.Singleton<ILlmProviderFactory>(sp =>
            new DelegateProviderFactory(() => new LlmProvider(provider, model, create(sp), endpoint))));
        return services;
    }
}
