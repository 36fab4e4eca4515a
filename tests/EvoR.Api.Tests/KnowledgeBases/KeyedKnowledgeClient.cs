using System.Net.Http.Headers;
using System.Text;
using EvoR.Api.Tests.Support;

namespace EvoR.Api.Tests.KnowledgeBases;

/// <summary>Requests to <c>/v1/knowledge-bases</c> under one API key (or none).</summary>
internal static class KeyedKnowledgeClient
{
    public static async Task<HttpResponseMessage> SendAsync(
        this HttpClient client, HttpMethod method, string path, string? key, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return await client.SendAsync(request, Http.Ct);
    }

    public static Task<HttpResponseMessage> CreateBaseAsAsync(this HttpClient client, string name, string? key, bool shared = false) =>
        client.SendAsync(HttpMethod.Post, "/v1/knowledge-bases", key,
            Http.Json($$"""{ "name": "{{name}}", "shared": {{(shared ? "true" : "false")}} }"""));

    public static Task<HttpResponseMessage> AddDocumentsAsAsync(this HttpClient client, string name, string? key, string body = KnowledgeBaseClient.ThreeDocuments) =>
        client.SendAsync(HttpMethod.Post, $"/v1/knowledge-bases/{name}/documents", key, new StringContent(body, Encoding.UTF8, "application/json"));

    public static Task<HttpResponseMessage> UploadMarkdownAsync(this HttpClient client, string name, string? key, string path, string text)
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes(text));
        file.Headers.ContentType = new MediaTypeHeaderValue("text/markdown");
        form.Add(file, "files", path);
        return client.SendAsync(HttpMethod.Post, $"/v1/knowledge-bases/{name}/files", key, form);
    }
}
