using System.Formats.Tar;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using EvoR.Api.Tests.Support;
using EvoR.Pipeline.Knowledge;
using Microsoft.Extensions.DependencyInjection;

namespace EvoR.Api.Tests.KnowledgeBases;

/// <summary><c>POST /v1/knowledge-bases/{name}/files</c>, JSON Lines whose newlines were lost, and document ids.</summary>
public sealed class KnowledgeFilesApiTests : IDisposable
{
    private readonly ApiFactory _factory = new(KnowledgeBaseClient.Bm25Only());
    private readonly HttpClient _client;

    public KnowledgeFilesApiTests() => _client = _factory.CreateClient();

    public void Dispose()
    {
        _client.Dispose();
        _factory.Dispose();
    }

    private IKnowledgeBaseStore Store => _factory.Services.GetRequiredService<IKnowledgeBaseStore>();

    private static readonly Dictionary<string, string> Folder = new()
    {
        ["README.md"] = "# Pondlet\nPondlet stores values in buckets.",
        ["guide/install.html"] = """
            <html><head><title>Installing pondlet</title><style>.zebrastripe { color: red }</style></head>
            <body><nav><a href="/">Home</a></nav><h1>Install</h1><p class="quokkaclass">Run <code>pip install pondlet</code> first.</p>
            <script>var marmosetvariable = 1;</script></body></html>
            """,
        ["api/bucket.rst"] = "Bucket\n======\n\nfetch\n-----\n\nBucket.fetch(key) reads a value.\n",
        ["notes.txt"] = "Plain notes about scan order.",
        ["logo.png"] = "\u0089PNG",
    };

    private async Task<HttpResponseMessage> UploadAsync(HttpContent content, string query = "")
    {
        Assert.Equal(HttpStatusCode.Created, (await _client.CreateBaseAsync("docs")).StatusCode);
        return await _client.PostAsync($"/v1/knowledge-bases/docs/files{query}", content, Http.Ct);
    }

    [Fact]
    public async Task Upload_MultipartFolder_OneDocumentPerFileIdIsRelativePath()
    {
        var form = new MultipartFormDataContent();
        foreach (var (path, text) in Folder)
        {
            form.Add(new ByteArrayContent(Encoding.UTF8.GetBytes(text)), "files", path);
        }

        form.Add(new StringContent("pondlet"), "library");

        using var response = await UploadAsync(form);

        var body = await response.ReadJsonAsync();
        Assert.True(HttpStatusCode.OK == response.StatusCode, body.ToString());
        Assert.Equal(5, body.GetProperty("files").GetInt32());
        Assert.Equal(["README.md", "api/bucket.rst", "guide/install.html", "notes.txt"],
            body.GetProperty("documents").GetProperty("writtenIds").EnumerateArray().Select(i => i.GetString()));
        Assert.Equal("logo.png", Assert.Single(body.GetProperty("skippedFiles").EnumerateArray()).GetProperty("path").GetString());
        var html = await Store.GetDocumentAsync("docs", "guide/install.html", Http.Ct);
        Assert.Equal(("Installing pondlet", "pondlet", "guide/install.html"), (html?.Title, html?.Library, html?.Provenance?.File));
        Assert.Contains("pip install pondlet", html!.Text, StringComparison.Ordinal);
        Assert.Equal("Bucket", (await Store.GetDocumentAsync("docs", "api/bucket.rst", Http.Ct))?.Title);
    }

    [Theory]
    [InlineData("zebrastripe")] // a style rule
    [InlineData("marmosetvariable")] // a script
    [InlineData("quokkaclass")] // an attribute value
    [InlineData("html")] // a tag name
    public async Task Upload_Html_TagsScriptsAndAttributesAreNotIndexed(string word)
    {
        var form = new MultipartFormDataContent { { new StringContent(Folder["guide/install.html"]), "files", "guide/install.html" } };
        Assert.Equal(HttpStatusCode.OK, (await UploadAsync(form)).StatusCode);

        var hits = (await (await _client.SearchAsync("docs", $"q={word}&mode=bm25")).ReadJsonAsync()).GetProperty("hits");
        var found = (await (await _client.SearchAsync("docs", "q=pip%20install&mode=bm25")).ReadJsonAsync()).GetProperty("hits");

        Assert.Empty(hits.EnumerateArray());
        Assert.Equal("guide/install.html", found[0].GetProperty("id").GetString());
    }

    [Fact]
    public async Task Upload_TarGzBody_AddsDocumentsAndDeletesByPathId()
    {
        var archive = new ByteArrayContent(TarGz(Folder));
        archive.Headers.ContentType = new MediaTypeHeaderValue("application/gzip");

        using var response = await UploadAsync(archive, "?prefix=pondlet");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotNull(await Store.GetDocumentAsync("docs", "pondlet/guide/install.html", Http.Ct));
        Assert.Equal(HttpStatusCode.NoContent, (await _client.DeleteAsync("/v1/knowledge-bases/docs/documents/pondlet/guide/install.html", Http.Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await _client.DeleteDocumentAsync("docs", "pondlet/api/bucket.rst")).StatusCode);
        Assert.Equal(2, (await Store.GetAsync("docs", Http.Ct)).Documents);
    }

    [Fact]
    public async Task Upload_ZipPart_UnpackedAndPathsOutsideTheFolderSkipped()
    {
        var zip = new MemoryStream();
        using (var archive = new ZipArchive(zip, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (path, text) in new Dictionary<string, string> { ["a.md"] = "# A\nalpha text", ["../evil.md"] = "# Evil\nescape", [".git/config"] = "x" })
            {
                await using var entry = await archive.CreateEntry(path).OpenAsync(Http.Ct);
                await entry.WriteAsync(Encoding.UTF8.GetBytes(text), Http.Ct);
            }
        }

        var form = new MultipartFormDataContent { { new ByteArrayContent(zip.ToArray()), "files", "docs.zip" } };

        using var response = await UploadAsync(form);

        var body = await response.ReadJsonAsync();
        Assert.Equal(["a.md"], body.GetProperty("documents").GetProperty("writtenIds").EnumerateArray().Select(i => i.GetString()));
        Assert.Equal(2, body.GetProperty("skippedFiles").GetArrayLength());
    }

    [Fact]
    public async Task Upload_BrokenArchive_400Problem()
    {
        var archive = new ByteArrayContent(Encoding.UTF8.GetBytes("this is not gzip"));
        archive.Headers.ContentType = new MediaTypeHeaderValue("application/gzip");

        using var response = await UploadAsync(archive);

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-request");
        Assert.Equal("archive", problem.GetProperty("field").GetString());
    }

    [Fact]
    public async Task Upload_JsonBody_415Problem()
    {
        using var response = await UploadAsync(Http.Json("[]"));

        await response.AssertProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported-media-type");
    }

    [Fact]
    public async Task Upload_UnknownBase_404()
    {
        using var response = await _client.PostAsync("/v1/knowledge-bases/nope/files", new MultipartFormDataContent { { new StringContent("x"), "files", "a.md" } }, Http.Ct);

        await response.AssertProblemAsync(HttpStatusCode.NotFound, "unknown-knowledge-base");
    }

    [Fact]
    public async Task AddDocuments_JsonLinesJoinedOnOneLine_400SayingDataBinary()
    {
        Assert.Equal(HttpStatusCode.Created, (await _client.CreateBaseAsync("docs")).StatusCode);
        // What 'curl -d @docs.jsonl' sends: the file's newlines stripped.
        const string joined = """{"id":"a","text":"alpha","source":"documentation"}{"id":"b","text":"beta","source":"documentation"}""";

        using var response = await _client.AddDocumentsAsync("docs", joined, "application/x-ndjson");

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "json-lines-newlines-lost");
        Assert.Contains("--data-binary", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, (await Store.GetAsync("docs", Http.Ct)).Documents);
    }

    [Fact]
    public async Task AddDocuments_JsonLinesWithNewlines_StillAdded()
    {
        Assert.Equal(HttpStatusCode.Created, (await _client.CreateBaseAsync("docs")).StatusCode);

        using var response = await _client.AddDocumentsAsync("docs",
            "{\"id\":\"a\",\"text\":\"alpha\",\"source\":\"documentation\"}\n{\"id\":\"b\",\"text\":\"beta gamma\",\"source\":\"documentation\"}\n", "application/x-ndjson");

        Assert.Equal(2, (await response.ReadJsonAsync()).GetProperty("added").GetInt32());
    }

    [Theory]
    [InlineData("a\\u0000b")]
    [InlineData("line\\nbreak")]
    [InlineData("a//b")]
    [InlineData("/leading")]
    [InlineData("trailing/")]
    [InlineData("a/../b")]
    [InlineData("back\\\\slash")]
    public async Task AddDocuments_IdThatCouldNotBeDeleted_400NamingTheField(string jsonId)
    {
        Assert.Equal(HttpStatusCode.Created, (await _client.CreateBaseAsync("docs")).StatusCode);

        using var response = await _client.AddDocumentsAsync("docs", $$"""[{ "id": "ok" , "text": "fine", "source": "documentation" }, { "id": "{{jsonId}}", "text": "x y", "source": "documentation" }]""");

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-request");
        Assert.Equal("documents[1].id", problem.GetProperty("field").GetString());
        Assert.Equal(0, (await Store.GetAsync("docs", Http.Ct)).Documents);
    }

    [Theory]
    [InlineData("guide/install.md")]
    [InlineData("a b:c@d")]
    [InlineData("100%")]
    public async Task DeleteDocument_IdWithSlashOrSpecialCharacters_Deleted(string id)
    {
        Assert.Equal(HttpStatusCode.Created, (await _client.CreateBaseAsync("docs")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _client.AddDocumentsAsync("docs", $$"""[{ "id": "{{id}}", "text": "some text", "source": "documentation" }]""")).StatusCode);

        using var response = await _client.DeleteDocumentAsync("docs", id);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Null(await Store.GetDocumentAsync("docs", id, Http.Ct));
    }

    private static byte[] TarGz(Dictionary<string, string> files)
    {
        var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip))
        {
            tar.WriteEntry(new PaxTarEntry(TarEntryType.Directory, "./"));
            foreach (var (path, text) in files)
            {
                tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "./" + path) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(text)) });
            }
        }

        return output.ToArray();
    }
}
