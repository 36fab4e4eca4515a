using EvoR.Api.Auth;
using EvoR.Api.RateLimiting;
using EvoR.Api.Telemetry;
using EvoR.Pipeline.Embeddings;
using EvoR.Pipeline.Knowledge;
using EvoR.Pipeline.Retrieval;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace EvoR.Api.KnowledgeBases;

/// <summary>
/// <c>/v1/knowledge-bases</c>: create and list knowledge bases, add documents (JSON array or JSON Lines), search them
/// (BM25, dense or hybrid) and delete documents. Store errors become problem details as the Pipeline README maps them.
/// </summary>
public static class KnowledgeBasesApi
{
    private const string LogCategory = "EvoR.Api.KnowledgeBases";

    public static IEndpointRouteBuilder MapKnowledgeBasesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/knowledge-bases")
            .WithTags("Knowledge bases")
            .RequireApiKey()
            .RequirePerKeyRateLimit()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

        group.MapPost("", CreateAsync)
            .WithName("CreateKnowledgeBase")
            .WithSummary("Create a knowledge base")
            .WithDescription("Creates an empty, persistent knowledge base. The name is 1–64 of a-z, 0-9, '.', '_', '-', " +
                             "starting with a letter or digit; a name in use is a 409.")
            .ProducesProblem(StatusCodes.Status409Conflict);

        group.MapGet("", ListAsync)
            .WithName("ListKnowledgeBases")
            .WithSummary("List the knowledge bases with their sizes")
            .WithDescription("Every knowledge base by name, with its documents, chunks, vectors and bytes on disk.");

        group.MapGet("/{name}", GetAsync)
            .WithName("GetKnowledgeBase")
            .WithSummary("Get one knowledge base with its sizes")
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPost("/{name}/documents", AddDocumentsAsync)
            .WithName("AddKnowledgeDocuments")
            .WithSummary("Add or update documents")
            .WithDescription(
                "Adds documents: a JSON array, or JSON Lines (one document per line) with Content-Type " +
                "application/x-ndjson or application/jsonl. A document with a stored id updates it; unchanged documents " +
                "and near-duplicates of stored ones are skipped. All documents are validated before anything is written.")
            .Accepts<IReadOnlyList<DocumentBody>>("application/json", "application/x-ndjson", "application/jsonl")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

        group.MapGet("/{name}/search", SearchAsync)
            .WithName("SearchKnowledgeBase")
            .WithSummary("Search a knowledge base")
            .WithDescription(
                "Ranks chunks for the query q: mode bm25, dense or hybrid (reciprocal-rank fusion of both; the default, " +
                "or bm25 when embeddings are disabled). k hits (1–Retrieval:MaxK, default Retrieval:DefaultK); sources, " +
                "languages and libraries filter, each comma-separated. Every hit says which retrievers found it, with " +
                "their ranks and scores.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapDelete("/{name}/documents/{**id}", DeleteDocumentAsync)
            .WithName("DeleteKnowledgeDocument")
            .WithSummary("Delete a document")
            .WithDescription("Removes the document and its chunks; an id the base does not hold is a 404. An id with '/' " +
                             "(made from a file path) is named as it is: /documents/guide/install.md.")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapDelete("/{name}", DeleteAsync)
            .WithName("DeleteKnowledgeBase")
            .WithSummary("Delete a knowledge base with its overlays")
            .WithDescription("Removes the base, its documents and every overlay on it; then it is a 404. Only its owner may.")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapKnowledgeOverlaysApi();
        group.MapKnowledgeFilesApi();
        return app;
    }

    internal static async Task<Results<Created<KnowledgeBaseResponse>, ProblemHttpResult>> CreateAsync(
        [FromBody] CreateKnowledgeBaseBody? body,
        HttpContext httpContext,
        [FromServices] IKnowledgeBaseStore store,
        [FromServices] ILoggerFactory loggerFactory,
        CancellationToken cancellationToken)
    {
        var logger = loggerFactory.CreateLogger(LogCategory);
        try
        {
            var info = await store.CreateAsync(
                body?.Name ?? "", new KnowledgeBaseSpec
                {
                    Description = body?.Description,
                    Shared = body?.Shared ?? false,
                    Owner = KnowledgeAccess.Caller(httpContext),
                }, cancellationToken);
            ApiLog.KnowledgeBaseCreated(logger, info.Name);
            return TypedResults.Created($"/v1/knowledge-bases/{info.Name}", KnowledgeBaseResponse.From(info));
        }
        catch (KnowledgeException error)
        {
            return Refused(logger, error);
        }
    }

    internal static async Task<Ok<KnowledgeBaseListResponse>> ListAsync(
        HttpContext httpContext, [FromServices] IKnowledgeBaseStore store, CancellationToken cancellationToken)
    {
        var caller = KnowledgeAccess.Caller(httpContext);
        var bases = (await store.ListAsync(cancellationToken)).Where(b => KnowledgeAccess.CanRead(b, caller));
        return TypedResults.Ok(new KnowledgeBaseListResponse { KnowledgeBases = [.. bases.Select(KnowledgeBaseResponse.From)] });
    }

    internal static async Task<Results<Ok<KnowledgeBaseResponse>, ProblemHttpResult>> GetAsync(
        string name,
        HttpContext httpContext,
        [FromServices] IKnowledgeBaseStore store,
        [FromServices] ILoggerFactory loggerFactory,
        CancellationToken cancellationToken)
    {
        var (info, problem) = await KnowledgeGuard.AuthorizeAsync(store, name, httpContext, KnowledgeRight.Read, cancellationToken);
        return problem is not null ? Refused(loggerFactory.CreateLogger(LogCategory), problem) : TypedResults.Ok(KnowledgeBaseResponse.From(info!));
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        string name,
        HttpContext httpContext,
        [FromServices] IKnowledgeBaseStore store,
        [FromServices] ILoggerFactory loggerFactory,
        CancellationToken cancellationToken)
    {
        var logger = loggerFactory.CreateLogger(LogCategory);
        var (_, problem) = await KnowledgeGuard.AuthorizeAsync(store, name, httpContext, KnowledgeRight.Write, cancellationToken);
        if (problem is not null)
        {
            return Refused(logger, problem);
        }

        try
        {
            await store.DeleteAsync(name, cancellationToken);
            KnowledgeApiLog.BaseDeleted(logger, name);
            return TypedResults.NoContent();
        }
        catch (KnowledgeException error)
        {
            return Refused(logger, error);
        }
    }

    internal static async Task<Results<Ok<AddDocumentsResponse>, ProblemHttpResult>> AddDocumentsAsync(
        string name,
        HttpContext httpContext,
        [FromServices] IKnowledgeBaseStore store,
        [FromServices] IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> jsonOptions,
        [FromServices] ILoggerFactory loggerFactory,
        CancellationToken cancellationToken)
    {
        var logger = loggerFactory.CreateLogger(LogCategory);
        try
        {
            // An unknown (or unseen) base is a 404, a read-only one a 403, whatever the body holds.
            var (_, refused) = await KnowledgeGuard.AuthorizeAsync(store, name, httpContext, KnowledgeRight.Write, cancellationToken);
            if (refused is not null)
            {
                return Refused(logger, refused);
            }

            var (bodies, problem) = await DocumentBodyReader.ReadAsync(
                httpContext.Request, jsonOptions.Value.SerializerOptions, cancellationToken);
            if (problem is not null)
            {
                ApiLog.KnowledgeRequestRefused(logger, problem.ProblemDetails.Type!, "documents");
                return problem;
            }

            var documents = new List<KnowledgeDocument>(bodies!.Count);
            for (var i = 0; i < bodies.Count; i++)
            {
                var body = bodies[i];
                if (SourceWireNames.TryParse(body.Source) is not { } source)
                {
                    var invalid = KnowledgeBaseProblems.InvalidSourceKind(body.Source, $"documents[{i}].source");
                    ApiLog.KnowledgeRequestRefused(logger, invalid.ProblemDetails.Type!, $"documents[{i}].source");
                    return invalid;
                }

                documents.Add(new KnowledgeDocument
                {
                    Id = body.Id,
                    Title = body.Title,
                    Text = body.Text ?? "",
                    Source = source,
                    Language = body.Language,
                    Library = body.Library,
                    Provenance = body.Url is null ? null : new Provenance { Url = body.Url },
                });
            }

            var result = await store.AddDocumentsAsync(name, documents, cancellationToken);
            ApiLog.KnowledgeDocumentsAdded(logger, name, result.Added, result.Updated, result.Skipped);
            return TypedResults.Ok(AddDocumentsResponse.From(result));
        }
        catch (KnowledgeException error)
        {
            return Refused(logger, error);
        }
    }

    internal static async Task<Results<Ok<SearchResponse>, ProblemHttpResult>> SearchAsync(
        string name,
        HttpContext httpContext,
        [FromQuery] string? q,
        [FromQuery] string? k,
        [FromQuery] string? sources,
        [FromQuery] string? mode,
        [FromQuery] string? languages,
        [FromQuery] string? libraries,
        [FromServices] IKnowledgeBaseStore store,
        [FromServices] IOptions<RetrievalOptions> retrieval,
        [FromServices] IOptions<EmbeddingOptions> embeddings,
        [FromServices] ILoggerFactory loggerFactory,
        CancellationToken cancellationToken)
    {
        var logger = loggerFactory.CreateLogger(LogCategory);
        var problem = KnowledgeSearchQuery.Parse(q, k, sources, mode, languages, libraries, retrieval.Value.MaxK, embeddings.Value.Enabled, out var request);
        if (problem is not null)
        {
            ApiLog.KnowledgeRequestRefused(logger, problem.ProblemDetails.Type!, problem.ProblemDetails.Extensions.TryGetValue("field", out var field) ? field as string : null);
            return problem;
        }

        var (_, refused) = await KnowledgeGuard.AuthorizeAsync(store, name, httpContext, KnowledgeRight.Read, cancellationToken);
        if (refused is not null)
        {
            return Refused(logger, refused);
        }

        try
        {
            var result = await store.SearchAsync(name, request!, cancellationToken);
            ApiLog.KnowledgeBaseSearched(logger, name, result.Mode.ToWireName(), request!.K, result.Hits.Count);
            return TypedResults.Ok(SearchResponse.From(result));
        }
        catch (KnowledgeException error)
        {
            return Refused(logger, error);
        }
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> DeleteDocumentAsync(
        string name,
        string id,
        HttpContext httpContext,
        [FromServices] IKnowledgeBaseStore store,
        [FromServices] ILoggerFactory loggerFactory,
        CancellationToken cancellationToken)
    {
        var logger = loggerFactory.CreateLogger(LogCategory);
        var (_, refused) = await KnowledgeGuard.AuthorizeAsync(store, name, httpContext, KnowledgeRight.Write, cancellationToken);
        if (refused is not null)
        {
            return Refused(logger, refused);
        }

        // A '/' in an id may come as itself (the route takes the rest of the path) or escaped.
        id = id.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);
        try
        {
            if (await store.RemoveDocumentsAsync(name, [id], cancellationToken) == 0)
            {
                var problem = KnowledgeBaseProblems.UnknownDocument(name);
                ApiLog.KnowledgeRequestRefused(logger, problem.ProblemDetails.Type!, "id");
                return problem;
            }

            ApiLog.KnowledgeDocumentDeleted(logger, name);
            return TypedResults.NoContent();
        }
        catch (KnowledgeException error)
        {
            return Refused(logger, error);
        }
    }

    internal static ProblemHttpResult Refused(ILogger logger, KnowledgeException error)
    {
        var problem = KnowledgeBaseProblems.FromException(error);
        ApiLog.KnowledgeRequestRefused(logger, problem.ProblemDetails.Type!, error.Field);
        return problem;
    }

    internal static ProblemHttpResult Refused(ILogger logger, ProblemHttpResult problem)
    {
        ApiLog.KnowledgeRequestRefused(logger, problem.ProblemDetails.Type!,
            problem.ProblemDetails.Extensions.TryGetValue("field", out var field) ? field as string : null);
        return problem;
    }
}
