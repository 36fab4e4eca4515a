namespace EvoR.Api.ChatCompletions;

/// <summary>
/// OpenAI's <c>error</c> member on every problem of the OpenAI-compatible paths (<c>/v1/chat/completions</c>,
/// <c>/v1/models</c>), whoever writes it: the API-key challenge (401), the rate limiter (429), a forbidden key (403)
/// and an unknown model (404) alike. Chained after the service's own problem-details customization, so it changes
/// nothing on other paths.
/// </summary>
public static class OpenAiErrorExtensions
{
    public static IServiceCollection AddOpenAiErrorMember(this IServiceCollection services)
    {
        services.PostConfigure<ProblemDetailsOptions>(options =>
        {
            var inner = options.CustomizeProblemDetails;
            options.CustomizeProblemDetails = context =>
            {
                inner?.Invoke(context);
                if (IsOpenAiPath(context.HttpContext.Request.Path))
                {
                    context.ProblemDetails.Status ??= context.HttpContext.Response.StatusCode;
                    ChatProblems.AddError(context.ProblemDetails);
                }
            };
        });
        return services;
    }

    /// <summary>The paths OpenAI clients call.</summary>
    public static bool IsOpenAiPath(PathString path) =>
        path.StartsWithSegments("/v1/chat/completions", StringComparison.OrdinalIgnoreCase)
        || path.StartsWithSegments("/v1/models", StringComparison.OrdinalIgnoreCase);
}
