using EvoR.Pipeline.Web;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace EvoR.Pipeline.Tests.Web;

public sealed class SearxngWebSourceTests
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    private const string SearchJson = """
        {"query":"q","results":[
          {"url":"URL/page/1","title":"Bucket.fetch &mdash; Pondlet","content":"<span class=\"highlight\">fetch</span> reads a value &amp; returns default"},
          {"url":"not a url","title":"skipped","content":"x"},
          {"url":"URL/page/2","title":"Second","content":"second snippet"},
          {"url":"URL/page/3","title":"Third","content":"third snippet"}
        ]}
        """;

    private static ServiceProvider Services(LoopbackServer server, bool fetchPages = false, int maxResults = 2)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["WebSearch:Provider"] = "searxng",
            ["WebSearch:BaseUrl"] = server.BaseUrl.ToString(),
            ["WebSearch:MaxResults"] = maxResults.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["WebSearch:FetchPages"] = fetchPages ? "true" : "false",
            ["WebSearch:RetryDelayMs"] = "1",
            ["WebSearch:MaxRetries"] = "2",
            ["WebSearch:AttemptTimeoutSeconds"] = "5",
            ["WebSearch:TotalTimeoutSeconds"] = "10",
            ["Embeddings:Enabled"] = "false",
        }).Build();
        return new ServiceCollection().AddLogging().AddEvoRPipeline(config).BuildServiceProvider();
    }

    private static (int, string, string) Search(LoopbackServer server) =>
        (200, "application/json", SearchJson.Replace("URL", server.BaseUrl.ToString().TrimEnd('/'), StringComparison.Ordinal));

    [Fact]
    public async Task SearchAsync_JsonResults_CleanedPagesUpToMax()
    {
        LoopbackServer? server = null;
        server = new LoopbackServer((req, _) => Search(server!));
        await using var _ = server;
        using var services = Services(server);
        var source = services.GetRequiredService<IWebSearchSource>();

        var pages = await source.SearchAsync("bucket fetch", 10, Ct);

        Assert.Equal("searxng", source.Name);
        Assert.Equal(2, pages.Count);
        Assert.Equal(new WebPage(server.BaseUrl + "page/1", "Bucket.fetch — Pondlet", "fetch reads a value & returns default"), pages[0]);
        Assert.StartsWith("/search?q=bucket%20fetch&format=json", server.Paths[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task SearchAsync_TransientFailure_IsRetriedByResilienceHandler()
    {
        LoopbackServer? server = null;
        server = new LoopbackServer((req, n) => n == 1 ? (503, "text/plain", "busy") : Search(server!));
        await using var _ = server;
        using var services = Services(server);

        var pages = await services.GetRequiredService<IWebSearchSource>().SearchAsync("fetch", 2, Ct);

        Assert.Equal(2, pages.Count);
        Assert.Equal(2, server.Requests);
    }

    [Fact]
    public async Task SearchAsync_FetchPages_ReplacesSnippetWithPageText()
    {
        LoopbackServer? server = null;
        server = new LoopbackServer((req, _) => req.Url!.AbsolutePath.StartsWith("/page/", StringComparison.Ordinal)
            ? (200, "text/html", $"<html><head><title>T</title><script>var x=1;</script></head><body><h1>Page {req.Url.AbsolutePath[^1]}</h1><p>Body &lt;text&gt;</p></body></html>")
            : Search(server!));
        await using var _ = server;
        using var services = Services(server, fetchPages: true);

        var pages = await services.GetRequiredService<IWebSearchSource>().SearchAsync("fetch", 2, Ct);

        Assert.Equal(["Page 1\n\nBody <text>", "Page 2\n\nBody <text>"], pages.Select(p => p.Text));
    }

    [Fact]
    public async Task SearchAsync_PermanentFailure_Throws()
    {
        await using var server = new LoopbackServer((_, _) => (404, "text/plain", "no"));
        using var services = Services(server);

        await Assert.ThrowsAsync<HttpRequestException>(() => services.GetRequiredService<IWebSearchSource>().SearchAsync("fetch", 2, Ct));
        Assert.Equal(1, server.Requests);
    }
}
