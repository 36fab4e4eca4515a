namespace EvoR.Api.KnowledgeBases;

/// <summary>Registration of the knowledge-base endpoints' services: the overlay sweeper. Needs <c>AddEvoRPipeline</c>
/// (the store) and <c>AddGenerations</c> (the jobs whose end starts an overlay's retention).</summary>
public static class KnowledgeBasesServiceCollectionExtensions
{
    public static IServiceCollection AddKnowledgeBasesApi(this IServiceCollection services)
    {
        services.AddSingleton<OverlaySweeper>();
        services.AddHostedService(sp => sp.GetRequiredService<OverlaySweeper>());
        return services;
    }
}
