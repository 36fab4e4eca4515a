using EvoR.Pipeline.Knowledge;
using EvoR.Pipeline.Web;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EvoR.Pipeline.Tests.Web;

public sealed class SnapshotWebSourceTests
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task SearchAsync_Snapshot_RanksMatchingPagesAndCleansHtml()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "pages.jsonl");
        await File.WriteAllLinesAsync(
            path,
            [
                """{"url":"https://a.invalid/fetch","title":"Bucket.fetch","text":"<p>fetch reads a <b>value</b></p><script>x()</script>"}""",
                """{"url":"https://a.invalid/scan","title":"Bucket.scan","text":"scan iterates keys"}""",
                "",
                """{"url":"https://a.invalid/none","title":"Cooking","text":"eggs and flour"}""",
            ],
            Ct);
        using var source = new SnapshotWebSource(Options.Create(new WebSearchOptions { Provider = "snapshot", SnapshotPath = path }), NullLogger<SnapshotWebSource>.Instance);

        var pages = await source.SearchAsync("AttributeError: no attribute fetch", 5, Ct);

        Assert.Equal(new WebPage("https://a.invalid/fetch", "Bucket.fetch", "fetch reads a value"), Assert.Single(pages));
        Assert.Equal(KnowledgeErrorKind.EmptyQuery, (await Assert.ThrowsAsync<KnowledgeException>(() => source.SearchAsync(" ", 5, Ct))).Kind);
    }

    [Fact]
    public void ToDocuments_Pages_AreWebDocumentsWithUrlProvenance()
    {
        var doc = Assert.Single(WebPages.ToDocuments([new WebPage("https://a.invalid/x", "X", "text")], "python"));

        Assert.Equal(("https://a.invalid/x", SourceKind.Web, "https://a.invalid/x", "python"), (doc.Id, doc.Source, doc.Provenance?.Url, doc.Language));
    }
}
