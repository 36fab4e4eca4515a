using System.Text.Json;
using System.Text.Json.Serialization;
using EvoR.Api.Auth;
using EvoR.Api.Generations;
using EvoR.Api.Health;
using EvoR.Api.KnowledgeBases;
using EvoR.Api.OpenApi;
using EvoR.Api.Problems;
using EvoR.Api.RateLimiting;
using EvoR.Api.Requests;
using EvoR.Api.Telemetry;
using EvoR.Llm;
using EvoR.Pipeline;
using EvoR.Sandbox;
using Microsoft.AspNetCore.Http.Json;

namespace EvoR.Api.Extensions;

/// <summary>The registration entry points Program.cs calls, in order.</summary>
public static class HostingExtensions
{
    /// <summary>What every EvoR service has: telemetry, problem details, JSON conventions, request ids and limits,
    /// the OpenAPI document.</summary>
    public static IHostApplicationBuilder AddServiceDefaults(this IHostApplicationBuilder builder)
    {
        builder.AddEvoRTelemetry();
        // Kestrel's own refusals (a NUL in the path, a URL over 8 KB) get problem bodies too.
        if (builder is WebApplicationBuilder web)
        {
            web.WebHost.UseKestrelRejectionProblems();
        }

        builder.Services.AddEvoRProblemDetails();
        builder.Services.ConfigureHttpJsonOptions(options => ConfigureJson(options));
        // Binding failures (malformed JSON, wrong content type) throw, so they become problem details that say why.
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        builder.Services.AddOptions<RequestOptions>().BindConfiguration(RequestOptions.SectionName)
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddEvoROpenApi();
        return builder;
    }

    /// <summary>The sandbox, the LLM layer, the pipeline (knowledge bases, generation methods), generation jobs and
    /// the access guard (API keys, loopback guard, per-key rate limits).</summary>
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddDataRoot();
        builder.Services.AddEvoRSandbox(builder.Configuration);
        builder.Services.AddEvoRLlm(builder.Configuration);
        // Includes AddEvoRKnowledge (the knowledge-base endpoints' store).
        builder.Services.AddEvoRPipeline(builder.Configuration);
        builder.Services.AddGenerations();
        builder.Services.AddKnowledgeBasesApi();
        builder.Services.AddApiKeyAuth();
        builder.Services.AddPerKeyRateLimiting();
        builder.Services.AddHealthMonitoring();
        return builder;
    }

    /// <summary>Request id, error handling and body limit first, then the access guard.</summary>
    public static WebApplication UseServiceDefaults(this WebApplication app)
    {
        app.UseMiddleware<RequestIdMiddleware>();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseMiddleware<RequestBodyLimitMiddleware>();
        // Rate limits after authentication (a known key is its own partition) but before authorization, so that
        // requests with a wrong key are limited too (by client IP) and cannot guess keys at full speed.
        app.UseAuthentication();
        app.UseRateLimiter();
        app.UseAuthorization();
        return app;
    }

    /// <summary>The OpenAPI document, its UI and the Prometheus scraping endpoint.</summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapEvoROpenApi();
        app.MapPrometheusScrapingEndpoint(TelemetryExtensions.MetricsPath);
        return app;
    }

    internal static JsonOptions ConfigureJson(JsonOptions options)
    {
        // One casing for every enum value of every endpoint (and of the generation events): camelCase.
        options.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        // The tests' "kind" discriminator may come anywhere in its object.
        options.SerializerOptions.AllowOutOfOrderMetadataProperties = true;
        return options;
    }
}
