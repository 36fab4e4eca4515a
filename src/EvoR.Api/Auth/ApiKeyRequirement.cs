using Microsoft.AspNetCore.Authorization;

namespace EvoR.Api.Auth;

/// <summary>A caller with a valid key; met by everyone while no key is configured (loopback-only mode).</summary>
internal sealed class ApiKeyRequirement : IAuthorizationRequirement;

internal sealed class ApiKeyAuthorizationHandler(ApiKeyStore keys) : AuthorizationHandler<ApiKeyRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ApiKeyRequirement requirement)
    {
        if (!keys.HasKeys || context.User.Identity?.IsAuthenticated == true)
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}
