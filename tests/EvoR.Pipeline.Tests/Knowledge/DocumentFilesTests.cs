using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using EvoR.Pipeline.Knowledge;

namespace EvoR.Pipeline.Tests.Knowledge;

public sealed class DocumentFilesTests
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    private static UploadedFile File(string path, string text) => new(path, Encoding.UTF8.GetBytes(text));

    [Fact]
    public void HtmlText_Page_TextWithMarkdownHeadingsNoTagsScriptsOrAttributes()
    {
        const string html = """
            <!DOCTYPE html><html><head><title>Bucket API</title><style>body { color: red }</style>
            <script>window.trackingId = 'abc';</script></head>
            <body><nav><a href="/">Home</a> | <a href="/x">Other</a></nav>
            <h1>Bucket</h1><p class="lead">A <b>bucket</b> holds&nbsp;values &amp; keys.</p>
            <h2>fetch</h2><ul><li>Reads a value.</li><li>Raises <code>KeyError</code>.</li></ul>
            <pre>b = Bucket()
            b.fetch("k")</pre><table><tr><th>arg</th><th>type</th></tr><tr><td>key</td><td>str</td></tr></table>
            </body></html>
            """;

        var (text, title) = HtmlText.ToMarkdown(html);

        Assert.Equal("Bucket API", title);
        Assert.Contains("# Bucket", text, StringComparison.Ordinal);
        Assert.Contains("## fetch", text, StringComparison.Ordinal);
        Assert.Contains("A bucket holds values & keys.", text, StringComparison.Ordinal);
        Assert.Contains("- Raises `KeyError`.", text, StringComparison.Ordinal);
        Assert.Contains("```\nb = Bucket()", text, StringComparison.Ordinal);
        Assert.Contains("key | str |", text, StringComparison.Ordinal);
        foreach (var absent in new[] { "<", ">", "class", "lead", "trackingId", "color", "Home", "&amp;", "DOCTYPE" })
        {
            Assert.DoesNotContain(absent, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void HtmlText_ChunkedByHeadings()
    {
        var (text, _) = HtmlText.ToMarkdown("<h1>Guide</h1><p>intro</p><h2>Install</h2><p>pip install pondlet</p>");

        var chunks = MarkdownChunker.Chunk(text, 256);

        Assert.Contains(chunks, c => c.Heading == "Guide > Install" && c.Text.Contains("pip install pondlet", StringComparison.Ordinal));
    }

    [Fact]
    public void RstText_SectionTitles_BecomeMarkdownHeadingsByFirstAppearance()
    {
        const string rst = """
            =======
            Pondlet
            =======

            Intro text.

            Buckets
            -------

            fetch
            ~~~~~

            Reads a value.

            Clients
            -------

            Not a title:
            ---
            """;

        var (text, title) = RstText.ToMarkdown(rst);

        Assert.Equal("Pondlet", title);
        Assert.Equal(["# Pondlet", "## Buckets", "### fetch", "## Clients"], text.Split('\n').Where(l => l.StartsWith('#')));
        Assert.Contains("Reads a value.", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_Folder_DocumentPerSupportedFileIdIsRelativePathOthersSkipped()
    {
        var (documents, skipped) = DocumentFiles.Read(
        [
            File("guide\\install.md", "# Install\npip install pondlet"),
            File("./api/index.html", "<title>API</title><p>All functions.</p>"),
            File("notes.txt", "plain"),
            File("empty.md", "   "),
            File("image.png", "PNG"),
            File("../escape.md", "# Out"),
            File(".git/HEAD", "ref"),
        ], new IngestionDefaults { Language = "python" }, idPrefix: "pondlet/");

        Assert.Equal(["pondlet/api/index.html", "pondlet/guide/install.md", "pondlet/notes.txt"], documents.Select(d => d.Id));
        Assert.Equal(("API", "api/index.html", "python"), (documents[0].Title, documents[0].Provenance?.File, documents[0].Language));
        Assert.Equal("Install", documents[1].Title);
        Assert.Equal("notes", documents[2].Title);
        Assert.Equal(["../escape.md", ".git/HEAD", "empty.md", "image.png"], skipped.Select(s => s.Path).Order(StringComparer.Ordinal));
        Assert.All(documents, d => Assert.Null(DocumentIds.Problem(d.Id)));
    }

    [Theory]
    [InlineData(ArchiveKind.Zip)]
    [InlineData(ArchiveKind.TarGz)]
    [InlineData(ArchiveKind.Tar)]
    public async Task DocumentArchive_RegularFilesRead(ArchiveKind kind)
    {
        var archive = Pack(kind, new() { ["a.md"] = "# A", ["sub/b.rst"] = "B\n=\n" });

        var files = await DocumentArchive.ReadAsync(new MemoryStream(archive), kind, 100, 1 << 20, Ct);

        Assert.Equal(["a.md", "sub/b.rst"], files.Select(f => DocumentFiles.NormalisePath(f.Path)).Order(StringComparer.Ordinal));
        Assert.Equal("# A", Encoding.UTF8.GetString(files.Single(f => f.Path.EndsWith("a.md", StringComparison.Ordinal)).Content));
    }

    [Fact]
    public async Task DocumentArchive_UnpacksPastByteLimit_TooLargeWhateverTheHeadersSay()
    {
        var archive = Pack(ArchiveKind.TarGz, new() { ["zeros.txt"] = new string('0', 200_000) });
        Assert.True(archive.Length < 2_000);

        var ex = await Assert.ThrowsAsync<KnowledgeException>(() => DocumentArchive.ReadAsync(new MemoryStream(archive), ArchiveKind.TarGz, 100, 100_000, Ct));

        Assert.Equal((KnowledgeErrorKind.DocumentTooLarge, "archive"), (ex.Kind, ex.Field));
    }

    [Fact]
    public async Task DocumentArchive_TooManyFiles_TooLarge()
    {
        var archive = Pack(ArchiveKind.Zip, Enumerable.Range(0, 5).ToDictionary(i => $"f{i}.md", i => "x"));

        var ex = await Assert.ThrowsAsync<KnowledgeException>(() => DocumentArchive.ReadAsync(new MemoryStream(archive), ArchiveKind.Zip, 4, 1 << 20, Ct));

        Assert.Equal(KnowledgeErrorKind.DocumentTooLarge, ex.Kind);
    }

    [Theory]
    [InlineData("docs.zip", ArchiveKind.Zip)]
    [InlineData("DOCS.TAR.GZ", ArchiveKind.TarGz)]
    [InlineData("docs.tgz", ArchiveKind.TarGz)]
    [InlineData("application/gzip", ArchiveKind.TarGz)]
    [InlineData("application/zip", ArchiveKind.Zip)]
    [InlineData("docs.tar", ArchiveKind.Tar)]
    [InlineData("docs.md", null)]
    [InlineData(null, null)]
    public void DocumentArchive_KindOf(string? value, ArchiveKind? expected) => Assert.Equal(expected, DocumentArchive.KindOf(value));

    private static byte[] Pack(ArchiveKind kind, Dictionary<string, string> files)
    {
        var output = new MemoryStream();
        if (kind == ArchiveKind.Zip)
        {
            using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
            {
                foreach (var (path, text) in files)
                {
                    using var entry = zip.CreateEntry(path).Open();
                    entry.Write(Encoding.UTF8.GetBytes(text));
                }
            }
        }
        else
        {
            using (var gzip = kind == ArchiveKind.TarGz ? new GZipStream(output, CompressionLevel.SmallestSize, leaveOpen: true) : null)
            {
                using (var tar = new TarWriter(gzip ?? (Stream)output, leaveOpen: true))
                {
                    foreach (var (path, text) in files)
                    {
                        tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, path) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(text)) });
                    }
                }
            }
        }

        return output.ToArray();
    }
}
