using EvoR.Api.Auth;
using Microsoft.AspNetCore.Authorization;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace EvoR.Api.OpenApi;

/// <summary>The OpenAPI document (<c>/openapi/v1.json</c>) with the bearer scheme, and the Scalar UI (<c>/scalar</c>).</summary>
public static class OpenApiExtensions
{
    private const string BearerScheme = "Bearer";

    public static IServiceCollection AddEvoROpenApi(this IServiceCollection services) =>
        services.AddOpenApi(options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "EvoR API",
                    Version = "v1",
                    Description =
                        "EvoR makes language models write code that runs: generation jobs (the EvoR loop and its " +
                        "baselines) with progress as Server-Sent Events, an OpenAI-compatible chat facade, knowledge bases " +
                        "searched with BM25 and embeddings, and a sandbox that runs untrusted programs for verdicts. Errors " +
                        "are RFC 7807 problem details whose 'type' is a stable urn:evor:problem:<slug>.",
                };
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    In = ParameterLocation.Header,
                    Description = "An API key from Auth:ApiKeys, as 'Authorization: Bearer <key>'. Not required while " +
                                  "no key is configured (the service then listens on loopback only).",
                };
                return Task.CompletedTask;
            });
            options.AddDocumentTransformer(OpenApiLintConventions.ApplyToDocument);
            options.AddOperationTransformer((operation, context, _) =>
            {
                var metadata = context.Description.ActionDescriptor.EndpointMetadata;
                var requiresKey = metadata.OfType<IAuthorizeData>().Any(a => a.Policy == AuthExtensions.PolicyName)
                    && !metadata.OfType<IAllowAnonymous>().Any();
                if (requiresKey)
                {
                    operation.Security ??= [];
                    operation.Security.Add(new OpenApiSecurityRequirement
                    {
                        [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [],
                    });
                }

                OpenApiLintConventions.ApplyToOperation(operation, requiresKey);
                return Task.CompletedTask;
            });
        });

    public static IEndpointRouteBuilder MapEvoROpenApi(this IEndpointRouteBuilder app)
    {
        app.MapOpenApi();
        app.MapScalarApiReference(options => options.WithTitle("EvoR API"));
        return app;
    }
}
