using EvoR.Pipeline.Knowledge;

namespace EvoR.Api.KnowledgeBases;

/// <summary>What a caller may do with a base or overlay.</summary>
internal enum KnowledgeRight
{
    /// <summary>Not even know it exists: a 404, like an unknown base.</summary>
    None,

    /// <summary>List, get and search it; writing is a 403.</summary>
    Read,

    /// <summary>Everything: add and delete documents, promote, delete the base.</summary>
    Write,
}

/// <summary>
/// Who owns what. A base belongs to the API key that created it, an overlay to the key of the job that made it.
/// Another key gets nothing (404) unless the base was created with <c>"shared": true</c> (read and search, no
/// writes); another key's overlay is never visible. A base made without keys (loopback mode, owner null) is, once
/// keys are configured, readable by every key and writable by none. Without keys (caller null) everything is
/// allowed, as before keys existed.
/// </summary>
internal static class KnowledgeAccess
{
    public static KnowledgeRight RightOf(KnowledgeBaseInfo info, string? caller)
    {
        ArgumentNullException.ThrowIfNull(info);
        if (caller is null || info.Owner == caller)
        {
            return KnowledgeRight.Write;
        }

        if (info.Parent is not null)
        {
            return KnowledgeRight.None;
        }

        return info.Shared || info.Owner is null ? KnowledgeRight.Read : KnowledgeRight.None;
    }

    public static bool CanRead(KnowledgeBaseInfo info, string? caller) => RightOf(info, caller) != KnowledgeRight.None;

    /// <summary>The caller's API key name, or null on a service without keys.</summary>
    public static string? Caller(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        return httpContext.User.Identity is { IsAuthenticated: true, Name: { } name } ? name : null;
    }
}
