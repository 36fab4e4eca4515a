using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using EvoR.Testing;

namespace EvoR.Api.Tests.Docs;

/// <summary>
/// Every request of <c>src/EvoR.Api/EvoR.Api.http</c>, in order, against the service started as its own process
/// (scripted model, data in a temporary folder): each must answer with a status its title names, or a 2xx where it
/// names none. Requests marked <c># @service-settings</c> run against a second service started with those settings,
/// after the plain requests above them (unchecked there: they only set the stage, as a reader running the file would).
/// </summary>
public sealed partial class HttpFileExamplesTests
{
    [Fact]
    public async Task EveryRequestOfTheHttpFile_AnswersAsItsTitleSays()
    {
        var unavailable = await ProcessSandboxProbe.UnavailableReasonAsync();
        if (unavailable is not null)
            Assert.Skip(unavailable);

        var (variables, requests) = HttpFileRequests.Read(Path.Combine(Repository.Root(), "src", "EvoR.Api", "EvoR.Api.http"));
        Assert.True(requests.Count >= 20, $"the .http file has only {requests.Count} requests; the parser lost some");

        var failures = new List<string>();
        foreach (var group in requests.GroupBy(r => string.Join(' ', r.Settings.OrderBy(s => s.Key).Select(s => $"{s.Key}={s.Value}"))))
        {
            await using var docs = await DocsService.StartAsync(group.First().Settings, TestContext.Current.CancellationToken);
            var values = new Dictionary<string, string>(variables, StringComparer.Ordinal) { ["host"] = docs.Process.BaseAddress.ToString().TrimEnd('/') };
            using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
            if (group.Key.Length > 0)
            {
                foreach (var stage in requests.TakeWhile(r => r != group.First()).Where(r => r.Settings.Count == 0))
                    await SendAsync(client, stage, values);
            }

            foreach (var request in group)
            {
                var (status, body) = await SendAsync(client, request, values);
                if (!PromisedStatus.Matches(status, request.ExpectedStatuses))
                    failures.Add($"{request}: HTTP {status} (expected {PromisedStatus.Describe(request.ExpectedStatuses)}) {PromisedStatus.Cut(body)}");
                if (request.Name is not null)
                    RememberResponse(values, request.Name, body);
            }

            if (failures.Count > 0)
                failures.Add("--- service output ---\n" + PromisedStatus.Cut(docs.Process.Output, 3000));
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    private static async Task<(int Status, string Body)> SendAsync(HttpClient client, HttpFileRequest request, Dictionary<string, string> values)
    {
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), Substitute(request.Url, values));
        string? contentType = null;
        foreach (var (name, value) in request.Headers)
        {
            if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
                contentType = value;
            else
                message.Headers.TryAddWithoutValidation(name, Substitute(value, values));
        }

        if (request.Body is not null)
        {
            var body = Substitute(request.Body, values);
            // Multipart needs CRLF line ends; the editors send them so whatever the file's own line ends are.
            if (contentType?.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase) == true)
                body = body.ReplaceLineEndings("\r\n");
            message.Content = new StringContent(body, Encoding.UTF8);
            if (contentType is not null)
                message.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        }

        using var response = await client.SendAsync(message, HttpCompletionOption.ResponseContentRead, TestContext.Current.CancellationToken);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    private static string Substitute(string text, Dictionary<string, string> values) =>
        Placeholder().Replace(text, m => values.TryGetValue(m.Groups[1].Value, out var value)
            ? value
            : throw new InvalidOperationException($"no value for {{{{{m.Groups[1].Value}}}}}"));

    /// <summary>Keeps every scalar of a named request's JSON answer under its JSONPath, <c>name.response.body.$.a[0].b</c>,
    /// as the editors resolve <c>{{name.response.body.$.a[0].b}}</c> (a JSON null reads as empty).</summary>
    private static void RememberResponse(Dictionary<string, string> values, string name, string body)
    {
        JsonDocument json;
        try
        {
            json = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            return;
        }

        using (json)
            Remember(values, $"{name}.response.body.$", json.RootElement);
    }

    private static void Remember(Dictionary<string, string> values, string path, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var member in element.EnumerateObject())
                    Remember(values, $"{path}.{member.Name}", member.Value);
                break;
            case JsonValueKind.String:
                values[path] = element.GetString()!;
                break;
            case JsonValueKind.Null:
                values[path] = string.Empty;
                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                    Remember(values, $"{path}[{index++}]", item);
                break;
            default:
                values[path] = element.GetRawText();
                break;
        }
    }

    [GeneratedRegex(@"\{\{([\w.$\[\]]+)\}\}")]
    private static partial Regex Placeholder();
}
