using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace EvoR.Api.Auth;

/// <summary>Registration of the access guard: API-key authentication, the <c>ApiKey</c> policy, the loopback guard.</summary>
public static class AuthExtensions
{
    public const string PolicyName = "ApiKey";

    public static IServiceCollection AddApiKeyAuth(this IServiceCollection services)
    {
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>();
        services.AddSingleton<ApiKeyStore>();
        // Authentication core only: API keys need no cookies, hence no data-protection key ring.
        services.AddWebEncoders();
        services.AddAuthenticationCore(options => options.DefaultScheme = ApiKeyAuthenticationHandler.SchemeName);
        new AuthenticationBuilder(services)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationHandler, ApiKeyAuthorizationHandler>();
        services.AddAuthorizationBuilder()
            .AddPolicy(PolicyName, policy => policy.AddRequirements(new ApiKeyRequirement()));

        // First hosted service: it must run before the server binds any address.
        services.Insert(0, ServiceDescriptor.Singleton<IHostedService, LoopbackGuard>());
        return services;
    }

    /// <summary>Requires a valid API key on these endpoints whenever any key is configured.</summary>
    public static TBuilder RequireApiKey<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(PolicyName);
}
