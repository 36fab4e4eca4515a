using System.Globalization;
using System.Threading.RateLimiting;
using EvoR.Api.Auth;
using EvoR.Api.Problems;
using EvoR.Api.Telemetry;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace EvoR.Api.RateLimiting;

/// <summary>Per-key rate limiting with ASP.NET Core's rate limiter where API keys are in use (see
/// <see cref="RateLimitingOptions"/> for why a service without keys is not limited by default); a refusal is a 429
/// <c>rate-limited</c> problem detail with <c>Retry-After</c>.</summary>
public static class RateLimitingExtensions
{
    public const string PolicyName = "per-key";

    public static IServiceCollection AddPerKeyRateLimiting(this IServiceCollection services)
    {
        services.AddOptions<RateLimitingOptions>().BindConfiguration(RateLimitingOptions.SectionName)
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddPolicy(PolicyName, Partition);
            limiter.OnRejected = OnRejectedAsync;
        });
        return services;
    }

    /// <summary>Applies the per-key limit to these endpoints.</summary>
    public static TBuilder RequirePerKeyRateLimit<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.RequireRateLimiting(PolicyName);

    /// <summary>The partition of a request: the API key's name when authenticated, else the client IP.</summary>
    internal static string PartitionKey(HttpContext context) =>
        context.User.Identity is { IsAuthenticated: true, Name: { } name }
            ? "key:" + name
            : "ip:" + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown");

    private static RateLimitPartition<string> Partition(HttpContext context)
    {
        var options = context.RequestServices.GetRequiredService<IOptions<RateLimitingOptions>>().Value;
        if (!options.Enabled)
        {
            return RateLimitPartition.GetNoLimiter("disabled");
        }

        if (!options.LimitWithoutKeys && !context.RequestServices.GetRequiredService<ApiKeyStore>().HasKeys)
        {
            // No keys: loopback only, a local user's own service; the sandbox queue paces executions (RateLimitingOptions).
            return RateLimitPartition.GetNoLimiter("open");
        }

        return RateLimitPartition.GetFixedWindowLimiter(PartitionKey(context), _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = options.PermitLimit,
            Window = TimeSpan.FromSeconds(options.WindowSeconds),
            QueueLimit = options.QueueLimit,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
    }

    private static async ValueTask OnRejectedAsync(OnRejectedContext context, CancellationToken cancellationToken)
    {
        var http = context.HttpContext;
        var logger = http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(RateLimitingExtensions));
        ApiLog.RateLimited(logger, PartitionKey(http));

        var detail = "Too many requests for this API key; slow down.";
        if (context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
        {
            var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
            http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            detail = $"Too many requests for this API key; retry after {seconds} s.";
        }

        http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails =
            {
                Status = StatusCodes.Status429TooManyRequests,
                Type = ProblemTypes.RateLimited,
                Title = "Too many requests",
                Detail = detail,
            },
        });
    }
}
