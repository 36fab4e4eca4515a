using System.Net;
using System.Text.Json;
using EvoR.Api.Tests.Support;

namespace EvoR.Api.Tests.KnowledgeBases;

public sealed class KnowledgeBasesApiTests : IDisposable
{
    private readonly ApiFactory _factory = new(KnowledgeBaseClient.Bm25Only());
    private readonly HttpClient _client;

    public KnowledgeBasesApiTests() => _client = _factory.CreateClient();

    public void Dispose()
    {
        _client.Dispose();
        _factory.Dispose();
    }

    [Fact]
    public async Task RoundTrip_CreateListAddSearchDelete_Works()
    {
        var created = await _client.CreateBaseAsync("docs");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("/v1/knowledge-bases/docs", created.Headers.Location?.OriginalString);
        Assert.Equal(0, (await created.ReadJsonAsync()).GetProperty("documents").GetInt32());

        var added = await _client.AddDocumentsAsync("docs", KnowledgeBaseClient.ThreeDocuments);
        Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        var counts = await added.ReadJsonAsync();
        Assert.Equal(3, counts.GetProperty("added").GetInt32());
        Assert.Equal(0, counts.GetProperty("updated").GetInt32());
        Assert.Equal(0, counts.GetProperty("skipped").GetInt32());

        var list = await (await _client.GetAsync("/v1/knowledge-bases", Http.Ct)).ReadJsonAsync();
        var docs = Assert.Single(list.GetProperty("knowledgeBases").EnumerateArray());
        Assert.Equal("docs", docs.GetProperty("name").GetString());
        Assert.Equal(3, docs.GetProperty("documents").GetInt32());
        Assert.True(docs.GetProperty("chunks").GetInt32() >= 3);

        var search = await _client.SearchAsync("docs", "q=ZeroDivisionError%20empty%20list&k=2&mode=bm25");
        Assert.Equal(HttpStatusCode.OK, search.StatusCode);
        var result = await search.ReadJsonAsync();
        Assert.Equal("bm25", result.GetProperty("mode").GetString());
        var hit = result.GetProperty("hits")[0];
        Assert.Equal("fb-1", hit.GetProperty("id").GetString());
        Assert.Equal("executionFeedback", hit.GetProperty("source").GetString());
        Assert.Equal("urn:evor:run:1", hit.GetProperty("url").GetString());
        Assert.Contains("ZeroDivisionError", hit.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Equal(["bm25"], hit.GetProperty("retrievers").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(1, hit.GetProperty("bm25Rank").GetInt32());
        Assert.True(hit.GetProperty("score").GetDouble() > 0);
        Assert.Equal(JsonValueKind.Null, hit.GetProperty("denseRank").ValueKind);

        Assert.Equal(HttpStatusCode.NoContent, (await _client.DeleteDocumentAsync("docs", "fb-1")).StatusCode);
        var after = await (await _client.SearchAsync("docs", "q=ZeroDivisionError&mode=bm25")).ReadJsonAsync();
        Assert.DoesNotContain(after.GetProperty("hits").EnumerateArray(), h => h.GetProperty("id").GetString() == "fb-1");
        var one = await (await _client.GetAsync("/v1/knowledge-bases/docs", Http.Ct)).ReadJsonAsync();
        Assert.Equal(2, one.GetProperty("documents").GetInt32());
    }

    [Fact]
    public async Task Search_SourcesFilter_ReturnsOnlyThoseSources()
    {
        await _client.CreateBaseAsync("docs");
        await _client.AddDocumentsAsync("docs", KnowledgeBaseClient.ThreeDocuments);

        var result = await (await _client.SearchAsync("docs", "q=python%20list%20array%20key&mode=bm25&sources=documentation,web")).ReadJsonAsync();

        var hits = result.GetProperty("hits").EnumerateArray().ToList();
        Assert.NotEmpty(hits);
        Assert.All(hits, h => Assert.Equal("documentation", h.GetProperty("source").GetString()));
    }

    [Fact]
    public async Task AddDocuments_SameDocumentTwice_SecondIsSkipped()
    {
        await _client.CreateBaseAsync("docs");
        await _client.AddDocumentsAsync("docs", KnowledgeBaseClient.ThreeDocuments);

        var again = await (await _client.AddDocumentsAsync("docs", KnowledgeBaseClient.ThreeDocuments)).ReadJsonAsync();

        Assert.Equal(0, again.GetProperty("added").GetInt32());
        Assert.Equal(0, again.GetProperty("updated").GetInt32());
        Assert.Equal(3, again.GetProperty("skipped").GetInt32());
        Assert.All(again.GetProperty("skippedDocuments").EnumerateArray(),
            s => Assert.Equal("unchanged", s.GetProperty("reason").GetString()));
    }

    [Fact]
    public async Task AddDocuments_SameTextUnderAnotherId_SkippedAsDuplicate()
    {
        await _client.CreateBaseAsync("docs");
        await _client.AddDocumentsAsync("docs", KnowledgeBaseClient.ThreeDocuments);

        var copy = await (await _client.AddDocumentsAsync("docs", """
            [{ "id": "np-sort-copy", "text": "numpy.sort returns a sorted copy of an array along an axis; use kind='stable' for a stable sort.", "source": "web" }]
            """)).ReadJsonAsync();

        Assert.Equal(0, copy.GetProperty("added").GetInt32());
        Assert.Equal(1, copy.GetProperty("skipped").GetInt32());
        var skipped = copy.GetProperty("skippedDocuments")[0];
        Assert.Equal("nearDuplicate", skipped.GetProperty("reason").GetString());
        Assert.Equal("np-sort", skipped.GetProperty("duplicateOf").GetString());
    }

    [Fact]
    public async Task AddDocuments_ChangedText_CountsAsUpdated()
    {
        await _client.CreateBaseAsync("docs");
        await _client.AddDocumentsAsync("docs", KnowledgeBaseClient.ThreeDocuments);

        var update = await (await _client.AddDocumentsAsync("docs", """
            [{ "id": "py-dict", "text": "dict.setdefault(key, default) inserts key with default when missing and returns the value.", "source": "documentation" }]
            """)).ReadJsonAsync();

        Assert.Equal(1, update.GetProperty("updated").GetInt32());
        Assert.Equal(0, update.GetProperty("added").GetInt32());
    }

    [Theory]
    [InlineData("application/x-ndjson")]
    [InlineData("application/jsonl")]
    public async Task AddDocuments_JsonLinesBody_AddsEachLine(string contentType)
    {
        await _client.CreateBaseAsync("lines");

        var response = await _client.AddDocumentsAsync("lines", """
            {"id":"a","text":"Rust ownership moves a value unless the type is Copy.","source":"documentation","language":"rust"}

            {"id":"b","text":"def mean(xs): return sum(xs) / len(xs)","source":"codeSnippet","language":"python"}
            """, contentType);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, (await response.ReadJsonAsync()).GetProperty("added").GetInt32());
        var hit = (await (await _client.SearchAsync("lines", "q=mean%20sum&mode=bm25&sources=code_snippet")).ReadJsonAsync())
            .GetProperty("hits")[0];
        Assert.Equal("b", hit.GetProperty("id").GetString());
        Assert.Equal("codeSnippet", hit.GetProperty("source").GetString());
    }

    [Fact]
    public async Task Create_ExistingName_Returns409()
    {
        await _client.CreateBaseAsync("docs");

        var response = await _client.CreateBaseAsync("docs");

        await response.AssertProblemAsync(HttpStatusCode.Conflict, "knowledge-base-exists");
    }

    [Theory]
    [InlineData("Has Spaces")]
    [InlineData("-leading-dash")]
    [InlineData("")]
    public async Task Create_BadName_Returns400(string name)
    {
        var response = await _client.CreateBaseAsync(name);

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-knowledge-base-name");
        Assert.Equal("name", problem.GetProperty("field").GetString());
    }

    [Theory]
    [InlineData("GET", "/v1/knowledge-bases/nope")]
    [InlineData("GET", "/v1/knowledge-bases/nope/search?q=x&mode=bm25")]
    [InlineData("POST", "/v1/knowledge-bases/nope/documents")]
    [InlineData("DELETE", "/v1/knowledge-bases/nope/documents/a")]
    public async Task AnyEndpoint_UnknownBase_Returns404(string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "POST")
        {
            request.Content = Http.Json("""[{ "text": "x", "source": "web" }]""");
        }

        var response = await _client.SendAsync(request, Http.Ct);

        await response.AssertProblemAsync(HttpStatusCode.NotFound, "unknown-knowledge-base");
    }

    [Fact]
    public async Task DeleteDocument_UnknownId_Returns404()
    {
        await _client.CreateBaseAsync("docs");

        var response = await _client.DeleteDocumentAsync("docs", "never-added");

        await response.AssertProblemAsync(HttpStatusCode.NotFound, "unknown-document");
    }

    [Theory]
    [InlineData("q=&mode=bm25", "empty-query")]
    [InlineData("q=%20%20&mode=bm25", "empty-query")]
    [InlineData("mode=bm25", "empty-query")]
    [InlineData("q=sort&mode=sparse", "invalid-search-mode")]
    [InlineData("q=sort&mode=bm25&k=0", "k-out-of-range")]
    [InlineData("q=sort&mode=bm25&k=101", "k-out-of-range")]
    [InlineData("q=sort&mode=bm25&k=many", "k-out-of-range")]
    [InlineData("q=sort&mode=bm25&sources=documentation,blogs", "invalid-source-kind")]
    [InlineData("q=sort&mode=dense", "dense-unavailable")]
    public async Task Search_BadInput_Returns400(string query, string slug)
    {
        await _client.CreateBaseAsync("docs");

        var response = await _client.SearchAsync("docs", query);

        await response.AssertProblemAsync(HttpStatusCode.BadRequest, slug);
    }

    [Fact]
    public async Task Search_InvalidSourceKind_NamesTheValidOnes()
    {
        await _client.CreateBaseAsync("docs");

        var problem = await (await _client.SearchAsync("docs", "q=sort&mode=bm25&sources=blogs"))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-source-kind");

        Assert.Equal(
            ["documentation", "web", "executionFeedback", "codeSnippet"],
            problem.GetProperty("validSources").EnumerateArray().Select(s => s.GetString()));
        Assert.Contains("executionFeedback", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""[{ "id": "a", "text": "x", "source": "blog" }]""", "documents[0].source")]
    [InlineData("""[{ "id": "a", "text": "x" }]""", "documents[0].source")]
    public async Task AddDocuments_InvalidSourceKind_Returns400(string body, string field)
    {
        await _client.CreateBaseAsync("docs");

        var problem = await (await _client.AddDocumentsAsync("docs", body))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-source-kind");

        Assert.Equal(field, problem.GetProperty("field").GetString());
        Assert.Equal(4, problem.GetProperty("validSources").GetArrayLength());
    }

    [Fact]
    public async Task AddDocuments_EmptyText_Returns400()
    {
        await _client.CreateBaseAsync("docs");

        var problem = await (await _client.AddDocumentsAsync("docs", """[{ "id": "a", "text": " ", "source": "web" }]"""))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-request");

        Assert.Equal("documents[0].text", problem.GetProperty("field").GetString());
    }

    [Theory]
    [InlineData("""[{ "text": "x", "source": "web" """, 1)]
    [InlineData("[\n  { \"text\": \"x\", \"source\": \"web\" },\n  { \"text\": 5 }\n]", 3)]
    [InlineData("""{ "text": "x", "source": "web" }""", 1)]
    [InlineData("", 1)]
    public async Task AddDocuments_MalformedJson_Returns400WithLine(string body, int line)
    {
        await _client.CreateBaseAsync("docs");

        var problem = await (await _client.AddDocumentsAsync("docs", body))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-json");

        Assert.Equal(line, problem.GetProperty("line").GetInt32());
        Assert.DoesNotContain("System.", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddDocuments_MalformedJsonLine_SaysWhichLine()
    {
        await _client.CreateBaseAsync("docs");

        var response = await _client.AddDocumentsAsync("docs", """
            {"text":"fine","source":"web"}
            {"text":"broken","source":
            {"text":"also fine","source":"web"}
            """, "application/x-ndjson");

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-json");
        Assert.Equal(2, problem.GetProperty("line").GetInt32());
        Assert.StartsWith("Line 2 ", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var count = (await (await _client.GetAsync("/v1/knowledge-bases/docs", Http.Ct)).ReadJsonAsync()).GetProperty("documents");
        Assert.Equal(0, count.GetInt32());
    }

    [Fact]
    public async Task AddDocuments_UnsupportedContentType_Returns415()
    {
        await _client.CreateBaseAsync("docs");

        var response = await _client.AddDocumentsAsync("docs", "text", "text/plain");

        await response.AssertProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported-media-type");
    }

    [Fact]
    public async Task AddDocuments_OversizedDocument_Returns413()
    {
        using var factory = new ApiFactory(KnowledgeBaseClient.Bm25Only(new() { ["Knowledge:MaxDocumentBytes"] = "1024" }));
        using var client = factory.CreateClient();
        await client.CreateBaseAsync("docs");
        var text = new string('a', 2000);

        var response = await client.AddDocumentsAsync("docs", $$"""[{ "id": "big", "text": "{{text}}", "source": "web" }]""");

        var problem = await response.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge, "document-too-large");
        Assert.Equal("documents[0].text", problem.GetProperty("field").GetString());
    }

    [Fact]
    public async Task Search_NoMode_DefaultsToBm25WhenEmbeddingsAreDisabled()
    {
        await _client.CreateBaseAsync("docs");
        await _client.AddDocumentsAsync("docs", KnowledgeBaseClient.ThreeDocuments);

        var result = await (await _client.SearchAsync("docs", "q=sort")).ReadJsonAsync();

        Assert.Equal("bm25", result.GetProperty("mode").GetString());
        Assert.Equal("np-sort", result.GetProperty("hits")[0].GetProperty("id").GetString());
    }
}
