using System.Text;
using EvoR.Pipeline.Knowledge;

namespace EvoR.Pipeline.Tests.Knowledge;

public sealed class KnowledgeIngestionTests
{
    [Fact]
    public async Task ReadMarkdownFolderAsync_NestedFiles_OneDocumentEachWithProvenance()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(Path.Combine(dir.Path, "api"));
        await File.WriteAllTextAsync(Path.Combine(dir.Path, "api", "connect.md"), "# connect\nOpens a session.", TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(dir.Path, "intro.md"), "No heading here.", TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(dir.Path, "notes.txt"), "ignored", TestContext.Current.CancellationToken);

        var docs = new List<KnowledgeDocument>();
        await foreach (var d in KnowledgeIngestion.ReadMarkdownFolderAsync(dir.Path, new IngestionDefaults { Library = "pondlet" }, TestContext.Current.CancellationToken))
        {
            docs.Add(d);
        }

        Assert.Equal(["api/connect.md", "intro.md"], docs.Select(d => d.Id));
        Assert.Equal("connect", docs[0].Title);
        Assert.Equal("intro", docs[1].Title);
        Assert.Equal("api/connect.md", docs[0].Provenance?.File);
        Assert.All(docs, d => Assert.Equal("pondlet", d.Library));
    }

    [Fact]
    public async Task ReadJsonLinesAsync_AllFields_MapsSourceAndProvenance()
    {
        const string lines = """
            {"id":"f1","text":"Traceback ... NameError","source":"execution_feedback","language":"python","problemId":"HumanEval/3","round":2}

            {"text":"# Title\nbody","url":"https://example.invalid/a","source":"web"}
            """;

        var docs = await ReadAll(lines);

        Assert.Equal(2, docs.Count);
        Assert.Equal(SourceKind.ExecutionFeedback, docs[0].Source);
        Assert.Equal(new Provenance { ProblemId = "HumanEval/3", Round = 2 }, docs[0].Provenance);
        Assert.Equal(SourceKind.Web, docs[1].Source);
        Assert.Equal("Title", docs[1].Title);
        Assert.Equal("https://example.invalid/a", docs[1].Provenance?.Url);
    }

    [Theory]
    [InlineData("""{"text":"x","source":"rumour"}""", KnowledgeErrorKind.InvalidSourceKind)]
    [InlineData("""{"id":"no text"}""", KnowledgeErrorKind.InvalidRequest)]
    [InlineData("""{not json""", KnowledgeErrorKind.InvalidRequest)]
    public async Task ReadJsonLinesAsync_BadLine_ThrowsTypedError(string line, KnowledgeErrorKind kind)
    {
        var ex = await Assert.ThrowsAsync<KnowledgeException>(() => ReadAll(line));

        Assert.Equal(kind, ex.Kind);
    }

    [Theory]
    [InlineData("documentation", SourceKind.Documentation)]
    [InlineData("WEB", SourceKind.Web)]
    [InlineData("execution_feedback", SourceKind.ExecutionFeedback)]
    [InlineData("code_snippet", SourceKind.CodeSnippet)]
    public void Parse_WireName_RoundTrips(string name, SourceKind kind)
    {
        Assert.Equal(kind, SourceKinds.Parse(name));
        Assert.Equal(kind, SourceKinds.Parse(kind.ToWireName()));
    }

    private static async Task<List<KnowledgeDocument>> ReadAll(string text)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(text));
        var docs = new List<KnowledgeDocument>();
        await foreach (var d in KnowledgeIngestion.ReadJsonLinesAsync(stream, cancellationToken: TestContext.Current.CancellationToken))
        {
            docs.Add(d);
        }

        return docs;
    }
}
