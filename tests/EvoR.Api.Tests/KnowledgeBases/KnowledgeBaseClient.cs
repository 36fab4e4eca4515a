using System.Text;
using EvoR.Api.Tests.Support;

namespace EvoR.Api.Tests.KnowledgeBases;

/// <summary>Request helpers for <c>/v1/knowledge-bases</c>.</summary>
internal static class KnowledgeBaseClient
{
    /// <summary>Embeddings off: BM25 only, no model load, fast tests.</summary>
    public static Dictionary<string, string?> Bm25Only(Dictionary<string, string?>? more = null) =>
        new(more ?? []) { ["Embeddings:Enabled"] = "false" };

    public static Task<HttpResponseMessage> CreateBaseAsync(this HttpClient client, string name) =>
        client.PostAsync("/v1/knowledge-bases", Http.Json($$"""{ "name": "{{name}}" }"""), Http.Ct);

    public static Task<HttpResponseMessage> AddDocumentsAsync(
        this HttpClient client, string name, string body, string contentType = "application/json") =>
        client.PostAsync(
            $"/v1/knowledge-bases/{name}/documents", new StringContent(body, Encoding.UTF8, contentType), Http.Ct);

    public static Task<HttpResponseMessage> SearchAsync(this HttpClient client, string name, string query) =>
        client.GetAsync($"/v1/knowledge-bases/{name}/search?{query}", Http.Ct);

    public static Task<HttpResponseMessage> DeleteDocumentAsync(this HttpClient client, string name, string id) =>
        client.DeleteAsync($"/v1/knowledge-bases/{name}/documents/{Uri.EscapeDataString(id)}", Http.Ct);

    /// <summary>Three small documents, one per topic.</summary>
    public const string ThreeDocuments = """
        [
          { "id": "np-sort", "title": "numpy.sort", "text": "numpy.sort returns a sorted copy of an array along an axis; use kind='stable' for a stable sort.", "source": "documentation", "language": "python", "library": "numpy" },
          { "id": "py-dict", "title": "dict.get", "text": "dict.get(key, default) returns the value for key if key is in the dictionary, else default, never raising KeyError.", "source": "documentation", "language": "python" },
          { "id": "fb-1", "text": "Traceback: ZeroDivisionError: division by zero in function mean when the list is empty.", "source": "executionFeedback", "language": "python", "url": "urn:evor:run:1" }
        ]
        """;
}
