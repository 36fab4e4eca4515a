namespace EvoR.Api.Generations;

/// <summary>Whose jobs a request sees: a job made with an API key is that key's only; one made without a key, anyone's.</summary>
internal static class GenerationOwner
{
    /// <summary>The API key's name when keys are configured; null on an open (loopback-only) service.</summary>
    public static string? Of(HttpContext httpContext) =>
        httpContext.User.Identity is { IsAuthenticated: true, Name: { } name } ? name : null;
}
