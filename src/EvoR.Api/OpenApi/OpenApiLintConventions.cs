using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace EvoR.Api.OpenApi;

/// <summary>
/// What <c>redocly lint</c> (its recommended rules) asks of the document that the endpoint metadata cannot say:
/// a description per tag, no server URL taken from the request, a security requirement on every operation (an empty one
/// where the endpoint takes no key), and the 401 of every operation that needs a key.
/// </summary>
internal static class OpenApiLintConventions
{
    private static readonly Dictionary<string, string> TagDescriptions = new(StringComparer.Ordinal)
    {
        ["Executions"] = "Run an untrusted program in the sandbox, with script or input/output tests, for a verdict.",
        ["Languages"] = "The languages the sandbox runs, with their versions and what tests they take.",
        ["Knowledge bases"] = "The knowledge soup: bases of documents searched with BM25, embeddings or both, and their overlays.",
        ["Generations"] = "Generation jobs: a method (EvoR or a baseline) solving a problem, with progress as Server-Sent Events.",
        ["OpenAI-compatible"] = "Chat completions and models in OpenAI's shape, each completion a generation job.",
        ["Health"] = "Whether the service and what it depends on work.",
    };

    public static Task ApplyToDocument(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken _)
    {
        // The document is served by the service it describes: without servers, paths are relative to where it was
        // read, which is right behind a proxy too (the request's own host, often localhost, is not).
        document.Servers = [new OpenApiServer { Url = "/", Description = "the service that served this document" }];

        foreach (var tag in document.Tags ?? Enumerable.Empty<OpenApiTag>())
        {
            if (string.IsNullOrEmpty(tag.Description) && tag.Name is not null && TagDescriptions.TryGetValue(tag.Name, out var description))
                tag.Description = description;
        }

        return Task.CompletedTask;
    }

    /// <summary>Runs after the bearer requirement was added (or not) for the operation.</summary>
    public static void ApplyToOperation(OpenApiOperation operation, bool requiresKey)
    {
        operation.Security ??= [];
        if (!requiresKey)
        {
            // An empty requirement says "no key": the endpoint is open even when keys are configured.
            if (operation.Security.Count == 0)
                operation.Security.Add(new OpenApiSecurityRequirement());
            return;
        }

        operation.Responses ??= new OpenApiResponses();
        if (!operation.Responses.ContainsKey("401"))
        {
            operation.Responses["401"] = new OpenApiResponse
            {
                Description = "No valid API key (Authorization: Bearer <key>) while keys are configured; a problem detail.",
            };
        }
    }
}
