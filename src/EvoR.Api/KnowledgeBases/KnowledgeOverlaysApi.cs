using EvoR.Pipeline.Knowledge;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace EvoR.Api.KnowledgeBases;

/// <summary>
/// <c>/v1/knowledge-bases/{name}/overlays</c>: the overlays EvoR jobs grow on a base, listed under it (each caller
/// sees its own), deleted, or promoted into the base. Overlays are removed <c>Knowledge:OverlayRetention</c> after
/// their job ends (<see cref="OverlaySweeper"/>).
/// </summary>
internal static class KnowledgeOverlaysApi
{
    private const string LogCategory = "EvoR.Api.KnowledgeBases";

    public static RouteGroupBuilder MapKnowledgeOverlaysApi(this RouteGroupBuilder group)
    {
        group.MapGet("/{name}/overlays", ListAsync)
            .WithName("ListKnowledgeOverlays")
            .WithSummary("List the overlays on a knowledge base")
            .WithDescription("The overlays EvoR jobs made on the base, with their job and sizes: the caller's own " +
                             "(every overlay on a service without API keys).")
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapGet("/{name}/overlays/{overlay}", GetAsync)
            .WithName("GetKnowledgeOverlay")
            .WithSummary("Get one overlay with its sizes")
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapDelete("/{name}/overlays/{overlay}", DeleteAsync)
            .WithName("DeleteKnowledgeOverlay")
            .WithSummary("Delete an overlay")
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPost("/{name}/overlays/{overlay}:promote", PromoteAsync)
            .WithName("PromoteKnowledgeOverlay")
            .WithSummary("Promote an overlay's documents into its base")
            .WithDescription("Moves the overlay's documents (all, or those of documentIds) into the base; each keeps " +
                             "its provenance with the overlay and job it came from (promotedFrom, jobId in search hits). " +
                             "Needs the overlay's key and write access to the base (403 for another key's shared base).")
            .Accepts<PromoteOverlayBody>("application/json")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    internal static async Task<Results<Ok<OverlayListResponse>, ProblemHttpResult>> ListAsync(
        string name, HttpContext httpContext, [FromServices] IKnowledgeBaseStore store,
        [FromServices] ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var logger = loggerFactory.CreateLogger(LogCategory);
        var (_, problem) = await KnowledgeGuard.AuthorizeAsync(store, name, httpContext, KnowledgeRight.Read, cancellationToken);
        if (problem is not null)
        {
            return KnowledgeBasesApi.Refused(logger, problem);
        }

        var caller = KnowledgeAccess.Caller(httpContext);
        var overlays = await store.ListOverlaysAsync(name, cancellationToken);
        return TypedResults.Ok(new OverlayListResponse
        {
            Overlays = [.. overlays.Where(o => KnowledgeAccess.RightOf(o, caller) == KnowledgeRight.Write).Select(KnowledgeBaseResponse.From)],
        });
    }

    internal static async Task<Results<Ok<KnowledgeBaseResponse>, ProblemHttpResult>> GetAsync(
        string name, string overlay, HttpContext httpContext, [FromServices] IKnowledgeBaseStore store,
        [FromServices] ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var (info, problem) = await KnowledgeGuard.AuthorizeOverlayAsync(store, name, overlay, httpContext, cancellationToken);
        return problem is not null
            ? KnowledgeBasesApi.Refused(loggerFactory.CreateLogger(LogCategory), problem)
            : TypedResults.Ok(KnowledgeBaseResponse.From(info!));
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        string name, string overlay, HttpContext httpContext, [FromServices] IKnowledgeBaseStore store,
        [FromServices] ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var logger = loggerFactory.CreateLogger(LogCategory);
        var (_, problem) = await KnowledgeGuard.AuthorizeOverlayAsync(store, name, overlay, httpContext, cancellationToken);
        if (problem is not null)
        {
            return KnowledgeBasesApi.Refused(logger, problem);
        }

        try
        {
            await store.DeleteAsync(overlay, cancellationToken);
            KnowledgeApiLog.OverlayDeleted(logger, overlay);
            return TypedResults.NoContent();
        }
        catch (KnowledgeException error)
        {
            return KnowledgeBasesApi.Refused(logger, error);
        }
    }

    internal static async Task<Results<Ok<AddDocumentsResponse>, ProblemHttpResult>> PromoteAsync(
        string name, string overlay, [FromBody] PromoteOverlayBody? body, HttpContext httpContext,
        [FromServices] IKnowledgeBaseStore store, [FromServices] ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var logger = loggerFactory.CreateLogger(LogCategory);
        var (_, problem) = await KnowledgeGuard.AuthorizeOverlayAsync(store, name, overlay, httpContext, cancellationToken);
        if (problem is null)
        {
            (_, problem) = await KnowledgeGuard.AuthorizeAsync(store, name, httpContext, KnowledgeRight.Write, cancellationToken);
        }

        if (problem is not null)
        {
            return KnowledgeBasesApi.Refused(logger, problem);
        }

        try
        {
            var result = await store.PromoteAsync(overlay, body?.DocumentIds, cancellationToken);
            KnowledgeApiLog.OverlayPromoted(logger, overlay, name, result.Added, result.Updated, result.Skipped);
            return TypedResults.Ok(AddDocumentsResponse.From(result));
        }
        catch (KnowledgeException error)
        {
            return KnowledgeBasesApi.Refused(logger, error);
        }
    }
}
