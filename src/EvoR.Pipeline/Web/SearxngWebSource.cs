using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;
using EvoR.Pipeline.Knowledge;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EvoR.Pipeline.Web;

/// <summary>
/// Live web search through a SearxNG-compatible JSON API (<c>GET {BaseUrl}/search?q=…&amp;format=json</c>). The
/// HttpClient carries the standard resilience handler (rate limit, total timeout, retry with jitter, circuit breaker,
/// attempt timeout; see <c>WebSearch</c> options). Bodies are read up to <c>WebSearch:MaxResponseBytes</c>; snippets and,
/// with <c>WebSearch:FetchPages</c>, whole pages are cleaned from HTML to text. Experimental (EVOR0001): the result
/// shape and the page-fetching policy may change once the EvoR loop uses it.
/// </summary>
[Experimental("EVOR0001")]
public sealed class SearxngWebSource(HttpClient http, IOptions<WebSearchOptions> options, WebTelemetry telemetry, TimeProvider time, ILogger<SearxngWebSource> logger)
    : IWebSearchSource
{
    public const string HttpClientName = "EvoR.WebSearch";

    private readonly WebSearchOptions _options = options.Value;

    public string Name => "searxng";

    public async Task<IReadOnlyList<WebPage>> SearchAsync(string query, int maxResults, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(query))
        {
            throw new KnowledgeException(KnowledgeErrorKind.EmptyQuery, "The query is empty.", "query");
        }

        var baseUrl = _options.BaseUrl ?? throw new InvalidOperationException("WebSearch:BaseUrl is not set.");
        var max = Math.Clamp(maxResults, 1, _options.MaxResults);
        using var activity = telemetry.Source.StartActivity("web.search");
        var started = time.GetTimestamp();
        var url = new Uri(baseUrl, $"search?q={Uri.EscapeDataString(query)}&format=json&pageno=1");
        var body = await GetBoundedAsync(url, cancellationToken).ConfigureAwait(false);

        var pages = new List<WebPage>();
        using (var json = JsonDocument.Parse(body))
        {
            if (json.RootElement.TryGetProperty("results", out var results) && results.ValueKind == JsonValueKind.Array)
            {
                foreach (var result in results.EnumerateArray())
                {
                    if (pages.Count == max)
                    {
                        break;
                    }

                    var resultUrl = result.TryGetProperty("url", out var u) ? u.GetString() : null;
                    if (resultUrl is null || !Uri.TryCreate(resultUrl, UriKind.Absolute, out _))
                    {
                        continue;
                    }

                    var title = result.TryGetProperty("title", out var t) ? HtmlText.ToPlainText(t.GetString() ?? "") : resultUrl;
                    var snippet = result.TryGetProperty("content", out var c) ? HtmlText.ToPlainText(c.GetString() ?? "", _options.MaxPageChars) : "";
                    pages.Add(new WebPage(resultUrl, title.Length == 0 ? resultUrl : title, snippet));
                }
            }
        }

        if (_options.FetchPages)
        {
            for (var i = 0; i < pages.Count; i++)
            {
                try
                {
                    var html = await GetBoundedAsync(new Uri(pages[i].Url), cancellationToken).ConfigureAwait(false);
                    var text = HtmlText.ToPlainText(html, _options.MaxPageChars);
                    if (text.Length > 0)
                    {
                        pages[i] = pages[i] with { Text = text };
                    }
                }
                catch (HttpRequestException ex)
                {
                    WebLog.PageFetchFailed(logger, pages[i].Url, ex);
                }
            }
        }

        var elapsed = time.GetElapsedTime(started);
        telemetry.RecordSearch(Name, elapsed);
        WebLog.Searched(logger, Name, pages.Count, elapsed.TotalMilliseconds);
        return pages;
    }

    private async Task<string> GetBoundedAsync(Uri url, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var buffer = new byte[_options.MaxResponseBytes];
        var read = await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        return Encoding.UTF8.GetString(buffer, 0, read);
    }
}
