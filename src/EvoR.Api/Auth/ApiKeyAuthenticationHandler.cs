using System.Security.Claims;
using System.Text.Encodings.Web;
using EvoR.Api.Problems;
using EvoR.Api.Telemetry;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace EvoR.Api.Auth;

/// <summary>Authenticates <c>Authorization: Bearer &lt;key&gt;</c> against the hashed keys in <c>Auth:ApiKeys</c>;
/// a challenge is a 401 <c>unauthorized</c> problem detail with <c>WWW-Authenticate: Bearer</c>.</summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    ApiKeyStore keys,
    IProblemDetailsService problemDetails)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "ApiKey";
    private const string BearerPrefix = "Bearer ";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!keys.HasKeys)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var header = Request.Headers.Authorization.ToString();
        if (header.Length == 0)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (!header.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase) || header.Length == BearerPrefix.Length)
        {
            return Task.FromResult(Fail("The Authorization header must be 'Bearer <key>'."));
        }

        var name = keys.Match(header[BearerPrefix.Length..].Trim());
        if (name is null)
        {
            return Task.FromResult(Fail("The API key is not valid."));
        }

        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, name)], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        var failure = result.Failure?.Message;
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = failure is null ? "Bearer" : "Bearer error=\"invalid_token\"";
        await problemDetails.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails =
            {
                Status = StatusCodes.Status401Unauthorized,
                Type = ProblemTypes.Unauthorized,
                Title = "Unauthorized",
                Detail = failure ?? "This API requires an API key: send 'Authorization: Bearer <key>'.",
            },
        });
    }

    private AuthenticateResult Fail(string reason)
    {
        ApiLog.AuthenticationFailed(Logger, reason);
        return AuthenticateResult.Fail(reason);
    }
}
