using EvoR.Api.ChatCompletions;
using EvoR.Api.OpenApi;
using EvoR.Llm.Chat;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.SemanticKernel.ChatCompletion;

namespace EvoR.Api.Generations;

/// <summary>Registration of generation jobs: options, the SQLite store, the queue and worker pool, the job-aware
/// chat service. Needs <c>AddEvoRLlm</c>, <c>AddEvoRSandbox</c> and <c>AddEvoRPipeline</c>.</summary>
public static class GenerationServiceCollectionExtensions
{
    public static IServiceCollection AddGenerations(this IServiceCollection services)
    {
        services.AddOptions<GenerationOptions>().BindConfiguration(GenerationOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<GenerationStore>();
        services.AddSingleton<GenerationQueue>();
        services.AddSingleton<GenerationEventHub>();
        services.AddSingleton<GenerationTelemetry>();
        services.AddSingleton<GenerationService>();
        services.AddSingleton<GenerationJobRunner>();
        services.AddSingleton<GenerationRequestValidator>();
        services.AddHostedService<GenerationWorkers>();

        // The OpenAI-compatible face of the jobs: its 401/403/404/429 problems carry OpenAI's error member too.
        services.AddOpenAiErrorMember();
        // The job list's limit is bound as text (a bad one is a 400 naming it); the document still says it is an integer.
        services.AddEvoRIntegerQueryParameters();

        // Every LLM call of the pipeline goes through the job's budget and settings.
        services.Replace(ServiceDescriptor.Singleton<IChatCompletionService>(sp =>
            new BudgetedChatCompletionService(sp.GetRequiredService<LlmChatCompletionService>())));
        return services;
    }
}
