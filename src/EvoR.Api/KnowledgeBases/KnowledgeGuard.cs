using EvoR.Pipeline.Knowledge;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EvoR.Api.KnowledgeBases;

/// <summary>Resolves the base a request names and checks the caller's right to it (see <see cref="KnowledgeAccess"/>):
/// a base the caller may not see is a 404 as if it did not exist, a write to a base it may only read a 403.</summary>
internal static class KnowledgeGuard
{
    public static async Task<(KnowledgeBaseInfo? Info, ProblemHttpResult? Problem)> AuthorizeAsync(
        IKnowledgeBaseStore store, string name, HttpContext httpContext, KnowledgeRight needed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        KnowledgeBaseInfo info;
        try
        {
            info = await store.GetAsync(name, cancellationToken);
        }
        catch (KnowledgeException error)
        {
            return (null, KnowledgeBaseProblems.FromException(error));
        }

        var right = KnowledgeAccess.RightOf(info, KnowledgeAccess.Caller(httpContext));
        if (right == KnowledgeRight.None)
        {
            return (null, KnowledgeBaseProblems.UnknownBase(name));
        }

        return right < needed ? (null, KnowledgeBaseProblems.ReadOnly(name)) : (info, null);
    }

    /// <summary>An overlay of <paramref name="name"/> that the caller owns, with write access to it (the base itself
    /// needs only to be readable); another key's overlay, or one on another base, is a 404.</summary>
    public static async Task<(KnowledgeBaseInfo? Overlay, ProblemHttpResult? Problem)> AuthorizeOverlayAsync(
        IKnowledgeBaseStore store, string name, string overlay, HttpContext httpContext, CancellationToken cancellationToken)
    {
        var (_, problem) = await AuthorizeAsync(store, name, httpContext, KnowledgeRight.Read, cancellationToken);
        if (problem is not null)
        {
            return (null, problem);
        }

        KnowledgeBaseInfo info;
        try
        {
            info = await store.GetAsync(overlay, cancellationToken);
        }
        catch (KnowledgeException error) when (error.Kind is KnowledgeErrorKind.UnknownBase or KnowledgeErrorKind.InvalidName)
        {
            return (null, KnowledgeBaseProblems.UnknownOverlay(name, overlay));
        }

        return info.Parent != name || KnowledgeAccess.RightOf(info, KnowledgeAccess.Caller(httpContext)) != KnowledgeRight.Write
            ? (null, KnowledgeBaseProblems.UnknownOverlay(name, overlay))
            : (info, null);
    }
}
