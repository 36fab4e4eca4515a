namespace EvoR.Api.Health;

/// <summary>Registration of the background health probe behind the health endpoints.</summary>
public static class HealthExtensions
{
    public static IServiceCollection AddHealthMonitoring(this IServiceCollection services)
    {
        services.AddOptions<HealthOptions>().BindConfiguration(HealthOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddHttpClient(LlmReachabilityProbe.HttpClientName);
        services.AddSingleton<LlmReachabilityProbe>();
        services.AddSingleton<PostgresReadinessProbe>();
        services.AddSingleton<HealthMonitor>();
        services.AddHostedService(sp => sp.GetRequiredService<HealthMonitor>());
        return services;
    }
}
