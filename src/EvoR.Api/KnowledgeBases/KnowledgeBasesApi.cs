using System.Globalization;
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

        group.MapDelete("/{name}/documents/{id}", DeleteDocumentAsync)
            .WithName("DeleteKnowledgeDocument")
            .WithSummary("Delete a document")
            .WithDescription("Removes the document and its chunks; an id the base does not hold is a 404.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    internal static async Task<Results<Created<KnowledgeBaseResponse>, ProblemHttpResult>> CreateAsync(
        [FromBody] CreateKnowledgeBaseBody? body,
        [FromServices] IKnowledgeBaseStore store,
        [FromServices] ILoggerFactory loggerFactory,
        CancellationToken cancellationToken)
    {
        var logger = loggerFactory.CreateLogger(LogCategory);
        try
        {
            var info = await store.CreateAsync(
                body?.Name ?? "", new KnowledgeBaseSpec { Description = body?.Description }, cancellationToken);
            ApiLog.KnowledgeBaseCreated(logger, info.Name);
            return TypedResults.Created($"/v1/knowledge-bases/{info.Name}", KnowledgeBaseResponse.From(info));
        }
        catch (KnowledgeException error)
        {
            return Refused(logger, error);
        }
    }

    internal static async Task<Ok<KnowledgeBaseListResponse>> ListAsync(
        [FromServices] IKnowledgeBaseStore store, CancellationToken cancellationToken)
    {
        var bases = await store.ListAsync(cancellationToken);
        return TypedResults.Ok(new KnowledgeBaseListResponse { KnowledgeBases = [.. bases.Select(KnowledgeBaseResponse.From)] });
    }

    internal static async Task<Results<Ok<KnowledgeBaseResponse>, ProblemHttpResult>> GetAsync(
        string name,
        [FromServices] IKnowledgeBaseStore store,
        [FromServices] ILoggerFactory loggerFactory,
        CancellationToken cancellationToken)
    {
        try
        {
            return TypedResults.Ok(KnowledgeBaseResponse.From(await store.GetAsync(name, cancellationToken)));
        }
        catch (KnowledgeException error)
        {
            return Refused(loggerFactory.CreateLogger(LogCategory), error);
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
            // An unknown base is a 404 whatever the body holds.
            await store.GetAsync(name, cancellationToken);
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
        var problem = ParseSearch(q, k, sources, mode, languages, libraries, retrieval.Value.MaxK, embeddings.Value.Enabled, out var request);
        if (problem is not null)
        {
            ApiLog.KnowledgeRequestRefused(logger, problem.ProblemDetails.Type!, problem.ProblemDetails.Extensions.TryGetValue("field", out var field) ? field as string : null);
            return problem;
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
        [FromServices] IKnowledgeBaseStore store,
        [FromServices] ILoggerFactory loggerFactory,
        CancellationToken cancellationToken)
    {
        var logger = loggerFactory.CreateLogger(LogCategory);
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

    /// <summary>The query string as a <see cref="SearchRequest"/>, or the problem with it. The query itself is
    /// checked by the store (after the base name, so that an unknown base is a 404 first).</summary>
    internal static ProblemHttpResult? ParseSearch(
        string? q, string? k, string? sources, string? mode, string? languages, string? libraries, int maxK,
        bool embeddingsEnabled, out SearchRequest? request)
    {
        request = null;
        var searchMode = embeddingsEnabled ? SearchMode.Hybrid : SearchMode.Bm25;
        if (!string.IsNullOrWhiteSpace(mode))
        {
            switch (mode.Trim().ToUpperInvariant())
            {
                case "BM25": searchMode = SearchMode.Bm25; break;
                case "DENSE": searchMode = SearchMode.Dense; break;
                case "HYBRID": searchMode = SearchMode.Hybrid; break;
                default: return KnowledgeBaseProblems.InvalidMode(mode);
            }
        }

        int? hits = null;
        if (k is not null)
        {
            if (!int.TryParse(k, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) || parsed < 1 || parsed > maxK)
            {
                return KnowledgeBaseProblems.KOutOfRange(k, maxK);
            }

            hits = parsed;
        }

        var kinds = new List<SourceKind>();
        foreach (var value in Split(sources) ?? [])
        {
            if (SourceWireNames.TryParse(value) is not { } kind)
            {
                return KnowledgeBaseProblems.InvalidSourceKind(value, "sources");
            }

            kinds.Add(kind);
        }

        request = new SearchRequest
        {
            Query = q ?? "",
            Mode = searchMode,
            K = hits,
            Sources = kinds.Count == 0 ? null : kinds,
            Languages = Split(languages),
            Libraries = Split(libraries),
        };
        return null;
    }

    private static List<string>? Split(string? values)
    {
        var parts = values?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return parts is null || parts.Length == 0 ? null : [.. parts];
    }

    private static ProblemHttpResult Refused(ILogger logger, KnowledgeException error)
    {
        var problem = KnowledgeBaseProblems.FromException(error);
        ApiLog.KnowledgeRequestRefused(logger, problem.ProblemDetails.Type!, error.Field);
        return problem;
    }
}
