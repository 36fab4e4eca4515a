using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EvoR.Pipeline.Knowledge;

namespace EvoR.Bench.Service;

/// <summary>The EvoR service answered with an error, or could not be reached; the message says which and why.</summary>
internal sealed class BenchServiceException(string message, HttpStatusCode? status = null, Exception? inner = null) : Exception(message, inner)
{
    public HttpStatusCode? Status { get; } = status;
}

/// <summary>
/// The calls <c>run --service</c> makes on an EvoR service (see <c>src/EvoR.Api/README.md</c>): the methods it runs
/// (<c>GET /v1/models</c>), a knowledge base and its documents, a generation job (<c>POST /v1/generations</c>)
/// followed over its event stream to its <c>end</c> event, then read whole (<c>?view=full</c>). Retries live in the
/// <see cref="HttpClient"/> (<see cref="ServiceHttp"/>).
/// </summary>
internal sealed class EvoRServiceClient(HttpClient http) : IDisposable
{
    /// <summary>Documents per upload, well under the service's default 8 MiB body limit for documentation pages.</summary>
    private const int DocumentsPerUpload = 200;

    /// <summary>How often a job's stream may close before its end before the client gives up on it.</summary>
    private const int MaxReconnects = 20;

    public Uri BaseAddress => http.BaseAddress!;

    /// <summary>The method names of <c>GET /v1/models</c> (each plain <c>evor:&lt;method&gt;</c> model; aliases aside).</summary>
    public async Task<IReadOnlyCollection<string>> MethodsAsync(CancellationToken cancellationToken)
    {
        using var document = await GetJsonAsync("v1/models", cancellationToken);
        var methods = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var model in document.RootElement.GetProperty("data").EnumerateArray())
        {
            if (model.TryGetProperty("evor", out var evor) && !evor.GetProperty("alias").GetBoolean())
            {
                methods.Add(evor.GetProperty("method").GetString()!);
            }
        }

        return methods;
    }

    /// <summary>Creates base <paramref name="name"/> with <paramref name="documents"/> unless it exists (a base of that
    /// name already holds them: names are content hashes).</summary>
    public async Task EnsureKnowledgeBaseAsync(string name, string description, IReadOnlyList<KnowledgeDocument> documents, CancellationToken cancellationToken)
    {
        var path = $"v1/knowledge-bases/{Uri.EscapeDataString(name)}";
        using (var existing = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, path), cancellationToken))
        {
            if (existing.IsSuccessStatusCode)
            {
                return;
            }

            if (existing.StatusCode != HttpStatusCode.NotFound)
            {
                throw await ErrorAsync(existing, $"GET {path}", cancellationToken);
            }
        }

        using (var created = await SendAsync(() => Json(HttpMethod.Post, "v1/knowledge-bases", new JsonObject { ["name"] = name, ["description"] = description }), cancellationToken))
        {
            if (!created.IsSuccessStatusCode)
            {
                throw await ErrorAsync(created, "POST /v1/knowledge-bases", cancellationToken);
            }
        }

        foreach (var batch in documents.Chunk(DocumentsPerUpload))
        {
            var body = new JsonArray([.. batch.Select(Document)]);
            using var added = await SendAsync(() => Json(HttpMethod.Post, path + "/documents", body), cancellationToken);
            if (!added.IsSuccessStatusCode)
            {
                throw await ErrorAsync(added, $"POST {path}/documents", cancellationToken);
            }
        }
    }

    /// <summary>Creates a generation job; returns its id.</summary>
    public async Task<string> CreateGenerationAsync(JsonObject body, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => Json(HttpMethod.Post, "v1/generations", body), cancellationToken);
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            throw await ErrorAsync(response, "POST /v1/generations", cancellationToken);
        }

        using var created = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        return created.RootElement.GetProperty("id").GetString()!;
    }

    /// <summary>Asks the service to cancel a job (best effort, a few seconds at most: the run is stopping).</summary>
    public async Task TryCancelAsync(string id)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Delete, $"v1/generations/{Uri.EscapeDataString(id)}");
            using var _ = await http.SendAsync(request, timeout.Token);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
            // The job ends by its own budget on the service.
        }
    }

    /// <summary>Follows the job's event stream to its <c>end</c> event, resuming after the last event seen when the
    /// stream drops; then reads the job whole (<c>?view=full</c>).</summary>
    public async Task<JsonDocument> WaitForJobAsync(string id, CancellationToken cancellationToken)
    {
        long lastEvent = 0;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                (var ended, lastEvent) = await FollowEventsAsync(id, lastEvent, cancellationToken);
                if (ended)
                {
                    break;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException && attempt < MaxReconnects)
            {
                // The stream broke mid-way: the next one resumes after the last event read.
            }

            if (attempt >= MaxReconnects)
            {
                throw new BenchServiceException($"The event stream of generation {id} closed {MaxReconnects} times before the job ended.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
        }

        return await GetJsonAsync($"v1/generations/{Uri.EscapeDataString(id)}?view=full", cancellationToken);
    }

    private async Task<(bool Ended, long LastEvent)> FollowEventsAsync(string id, long after, CancellationToken cancellationToken)
    {
        var path = $"v1/generations/{Uri.EscapeDataString(id)}/events";
        using var response = await SendAsync(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            if (after > 0)
            {
                request.Headers.Add("Last-Event-ID", after.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            return request;
        }, cancellationToken, HttpCompletionOption.ResponseHeadersRead);
        if (!response.IsSuccessStatusCode)
        {
            throw await ErrorAsync(response, $"GET /{path}", cancellationToken);
        }

        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        string? name = null;
        var last = after;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.StartsWith("id:", StringComparison.Ordinal) && long.TryParse(line.AsSpan(3).Trim(), out var seq))
            {
                last = seq;
            }
            else if (line.StartsWith("event:", StringComparison.Ordinal))
            {
                name = line[6..].Trim();
            }
            else if (line.Length == 0)
            {
                if (name == "end")
                {
                    return (true, last);
                }

                name = null;
            }
        }

        return (false, last);
    }

    private async Task<JsonDocument> GetJsonAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, path), cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw await ErrorAsync(response, $"GET /{path}", cancellationToken);
        }

        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
    }

    /// <summary>Sends a fresh request; a network failure that outlasted the retries becomes a <see cref="BenchServiceException"/>
    /// naming the service.</summary>
    private async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> request, CancellationToken cancellationToken,
        HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        using var message = request();
        try
        {
            return await http.SendAsync(message, completion, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new BenchServiceException($"The EvoR service at {BaseAddress} cannot be reached ({ex.Message}); is it running? " +
                                            $"(tried {ServiceHttp.MaxNetworkRetries + 1} times)", null, ex);
        }
    }

    /// <summary>The problem the service answered with (its title and detail), or the bare status.</summary>
    private async Task<BenchServiceException> ErrorAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        var said = text.Length == 0 ? "" : text.Length > 500 ? text[..500] + "…" : text;
        try
        {
            using var problem = JsonDocument.Parse(text);
            var root = problem.RootElement;
            if (root.TryGetProperty("title", out var title))
            {
                said = title.GetString() + (root.TryGetProperty("detail", out var detail) ? ": " + detail.GetString() : "");
            }
        }
        catch (JsonException)
        {
        }

        return new BenchServiceException($"{what} on the EvoR service at {BaseAddress} answered {(int)response.StatusCode} {response.ReasonPhrase}: {said}",
            response.StatusCode);
    }

    private static HttpRequestMessage Json(HttpMethod method, string path, JsonNode body) =>
        new(method, path) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };

    private static JsonObject Document(KnowledgeDocument d) => new()
    {
        ["id"] = d.Id,
        ["title"] = d.Title,
        ["text"] = d.Text,
        ["source"] = JsonNamingPolicy.CamelCase.ConvertName(d.Source.ToString()),
        ["language"] = d.Language,
        ["library"] = d.Library,
        ["url"] = d.Provenance?.Url,
    };

    public void Dispose() => http.Dispose();
}
