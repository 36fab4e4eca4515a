using EvoR.Api.ChatCompletions;
using EvoR.Api.Generations.Postgres;
using EvoR.Api.OpenApi;
using EvoR.Llm.Chat;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.SemanticKernel.ChatCompletion;

namespace EvoR.Api.Generations;

/// <summary>Registration of generation jobs: options, the store and queue (SQLite in-process by default; PostgreSQL
/// shared by replicas with <c>Generations:Store=postgres</c>), the worker pool, the job-aware chat service. Needs <c>AddEvoRLlm</c>, <c>AddEvoRSandbox</c> and <c>AddEvoRPipeline</c>.</summary>
public static class GenerationServiceCollectionExtensions
{
    public static IServiceCollection AddGenerations(this IServiceCollection services)
    {
        services.AddOptions<GenerationOptions>().BindConfiguration(GenerationOptions.SectionName).ValidateDataAnnotations()
            .Validate<IConfiguration>((o, configuration) => !o.UsesPostgres
                || !string.IsNullOrWhiteSpace(configuration.GetConnectionString(GenerationOptions.ConnectionStringName)),
                "Generations:Store is postgres but ConnectionStrings:EvoR (environment ConnectionStrings__EvoR) is not set.")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<SqliteGenerationStore>();
        services.AddSingleton<LocalGenerationQueue>();
        services.AddSingleton<PostgresGenerationDatabase>();
        services.AddSingleton<PostgresGenerationStore>();
        services.AddSingleton<PostgresGenerationQueue>();
        services.AddSingleton<IGenerationStore>(sp => UsesPostgres(sp)
            ? sp.GetRequiredService<PostgresGenerationStore>() : sp.GetRequiredService<SqliteGenerationStore>());
        services.AddSingleton<IGenerationQueue>(sp => UsesPostgres(sp)
            ? sp.GetRequiredService<PostgresGenerationQueue>() : sp.GetRequiredService<LocalGenerationQueue>());
        services.AddSingleton<GenerationEventHub>();
        services.AddSingleton<GenerationTelemetry>();
        services.AddSingleton<GenerationService>();
        services.AddSingleton<GenerationJobRunner>();
        services.AddSingleton<GenerationRequestValidator>();
        services.AddHostedService<GenerationWorkers>();
        services.AddHostedService<PostgresGenerationCoordinator>();

        // The OpenAI-compatible face of the jobs: its 401/403/404/429 problems carry OpenAI's error member too.
        services.AddOpenAiErrorMember();
        // The job list's limit is bound as text (a bad one is a 400 naming it); the document still says it is an integer.
        services.AddEvoRIntegerQueryParameters();

        // Every LLM call of the pipeline goes through the job's budget and settings.
        services.Replace(ServiceDescriptor.Singleton<IChatCompletionService>(sp =>
            new BudgetedChatCompletionService(sp.GetRequiredService<LlmChatCompletionService>())));
        return services;
    }

    private static bool UsesPostgres(IServiceProvider services) =>
        services.GetRequiredService<IOptions<GenerationOptions>>().Value.UsesPostgres;
}
