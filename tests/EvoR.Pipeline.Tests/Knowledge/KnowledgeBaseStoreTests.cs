using EvoR.Pipeline.Knowledge;

namespace EvoR.Pipeline.Tests.Knowledge;

public sealed class KnowledgeBaseStoreTests : IDisposable
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;
    private readonly TempDirectory _dir = new();
    private readonly HashingEmbedder _embedder = new();

    private static KnowledgeDocument Doc(string id, string text, SourceKind source = SourceKind.Documentation, string? language = "python", string? library = "pondlet") =>
        new() { Id = id, Text = text, Source = source, Language = language, Library = library };

    private static readonly KnowledgeDocument[] Corpus =
    [
        Doc("fetch", "# Bucket.fetch\nReads the value stored under a key. Renamed from Bucket.get in version 3."),
        Doc("scan", "# Bucket.scan\nIterates keys in lexicographic order starting with a prefix."),
        Doc("connect", "# pondlet.connect\nOpens a client session to the server with a timeout."),
        Doc("feedback-1", "NameError: name 'open_bucket' is not defined", SourceKind.ExecutionFeedback),
        Doc("snippet-1", "s = pondlet.connect(url)\nb = s.bucket_open('users')", SourceKind.CodeSnippet),
        Doc("java-doc", "# Bucket.fetch in Java\nThe Java client reads values with fetch as well.", language: "java", library: "pondlet-java"),
    ];

    public void Dispose() => _dir.Dispose();

    private KnowledgeBaseStore Store(Action<KnowledgeOptions>? k = null, Action<EvoR.Pipeline.Retrieval.RetrievalOptions>? r = null) =>
        TestServices.CreateStore(_dir.Path, _embedder, k, r);

    [Fact]
    public async Task CreateAsync_ThenAdd_ListReportsSizes()
    {
        using var store = Store();
        await store.CreateAsync("docs", cancellationToken: Ct);

        var result = await store.AddDocumentsAsync("docs", Corpus, Ct);
        var list = await store.ListAsync(Ct);

        Assert.Equal(Corpus.Length, result.Added);
        var info = Assert.Single(list);
        Assert.Equal(("docs", Corpus.Length, Corpus.Length, Corpus.Length), (info.Name, info.Documents, info.Chunks, info.Vectors));
        Assert.True(info.SizeBytes > 0);
        Assert.Equal("hashing-test", info.EmbeddingModel);
    }

    [Fact]
    public async Task AddDocumentsAsync_MarkdownFolderStream_AddsInBatches()
    {
        using var folder = new TempDirectory();
        for (var i = 0; i < 5; i++)
        {
            await File.WriteAllTextAsync(Path.Combine(folder.Path, $"f{i}.md"), $"# Function f{i}\nDoes thing number {i} with the bucket{i} handle.", Ct);
        }

        using var store = Store();
        await store.CreateAsync("docs", cancellationToken: Ct);

        var result = await store.AddDocumentsAsync("docs", KnowledgeIngestion.ReadMarkdownFolderAsync(folder.Path, cancellationToken: Ct), batchSize: 2, Ct);

        Assert.Equal((5, 5), (result.Added, result.WrittenIds.Count));
        Assert.Equal("f3.md", (await store.GetDocumentAsync("docs", "f3.md", Ct))?.Provenance?.File);
    }

    [Fact]
    public async Task CreateAsync_ExistingName_ThrowsBaseAlreadyExists()
    {
        using var store = Store();
        await store.CreateAsync("docs", cancellationToken: Ct);

        var ex = await Assert.ThrowsAsync<KnowledgeException>(() => store.CreateAsync("docs", cancellationToken: Ct));

        Assert.Equal(KnowledgeErrorKind.BaseAlreadyExists, ex.Kind);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Upper")]
    [InlineData("../escape")]
    [InlineData("_hidden")]
    [InlineData("a b")]
    public async Task CreateAsync_InvalidName_ThrowsInvalidName(string name)
    {
        using var store = Store();

        var ex = await Assert.ThrowsAsync<KnowledgeException>(() => store.CreateAsync(name, cancellationToken: Ct));

        Assert.Equal(KnowledgeErrorKind.InvalidName, ex.Kind);
    }

    [Fact]
    public async Task Methods_UnknownBase_ThrowUnknownBase()
    {
        using var store = Store();

        Assert.Equal(KnowledgeErrorKind.UnknownBase, (await Assert.ThrowsAsync<KnowledgeException>(() => store.SearchAsync("nope", new SearchRequest { Query = "x" }, Ct))).Kind);
        Assert.Equal(KnowledgeErrorKind.UnknownBase, (await Assert.ThrowsAsync<KnowledgeException>(() => store.AddDocumentsAsync("nope", Corpus, Ct))).Kind);
        Assert.Equal(KnowledgeErrorKind.UnknownBase, (await Assert.ThrowsAsync<KnowledgeException>(() => store.GetAsync("nope", Ct))).Kind);
        Assert.Equal(KnowledgeErrorKind.UnknownBase, (await Assert.ThrowsAsync<KnowledgeException>(() => store.CreateAsync("child", new KnowledgeBaseSpec { Parent = "nope" }, Ct))).Kind);
    }

    [Fact]
    public async Task AddDocumentsAsync_AgainWithChanges_CountsAddedUpdatedSkipped()
    {
        using var store = Store();
        await store.CreateAsync("docs", cancellationToken: Ct);
        await store.AddDocumentsAsync("docs", Corpus, Ct);

        var result = await store.AddDocumentsAsync(
            "docs",
            [
                Corpus[0],
                Corpus[1] with { Text = Corpus[1].Text + " Pagination is automatic." },
                Doc("new", "# Bucket.incr\nAtomically adds to an integer counter."),
                Doc("new", "# duplicate id in the same request"),
            ],
            Ct);

        Assert.Equal((1, 1, 2), (result.Added, result.Updated, result.Skipped));
        Assert.Contains(new SkippedDocument("fetch", SkipReason.Unchanged), result.SkippedDocuments);
        Assert.Contains(new SkippedDocument("new", SkipReason.DuplicateInRequest), result.SkippedDocuments);
        Assert.Equal(["scan", "new"], result.WrittenIds);
    }

    [Fact]
    public async Task AddDocumentsAsync_NearDuplicateUnderOtherId_IsSkipped()
    {
        using var store = Store();
        await store.CreateAsync("docs", cancellationToken: Ct);
        const string text =
            "Bucket.fetch reads the value stored under a key and returns the default when the key is missing; it was renamed " +
            "from Bucket.get in version three because get clashed with dictionary semantics. Pass consistency strong to read " +
            "from the leader instead of a follower, which may serve stale values after a recent write.";
        await store.AddDocumentsAsync("docs", [Doc("a", text)], Ct);

        var result = await store.AddDocumentsAsync("docs", [Doc("b", text.Replace("missing", "absent", StringComparison.Ordinal))], Ct);

        Assert.Equal(new SkippedDocument("b", SkipReason.NearDuplicate, "a"), Assert.Single(result.SkippedDocuments));
    }

    [Fact]
    public async Task AddDocumentsAsync_NearDuplicatesAllowed_WhenSuppressionOff()
    {
        using var store = Store(k => k.SuppressNearDuplicates = false);
        await store.CreateAsync("docs", cancellationToken: Ct);

        var result = await store.AddDocumentsAsync("docs", [Doc("a", "Same text."), Doc("b", "Same text.")], Ct);

        Assert.Equal(2, result.Added);
    }

    [Fact]
    public async Task AddDocumentsAsync_OversizedDocument_ThrowsDocumentTooLargeAndWritesNothing()
    {
        using var store = Store(k => k.MaxDocumentBytes = 1024);
        await store.CreateAsync("docs", cancellationToken: Ct);

        var ex = await Assert.ThrowsAsync<KnowledgeException>(() => store.AddDocumentsAsync("docs", [Corpus[0], Doc("big", new string('x', 2000))], Ct));

        Assert.Equal((KnowledgeErrorKind.DocumentTooLarge, "documents[1].text"), (ex.Kind, ex.Field));
        Assert.Equal(0, (await store.GetAsync("docs", Ct)).Documents);
    }

    [Fact]
    public async Task AddDocumentsAsync_InvalidSourceKind_ThrowsInvalidSourceKind()
    {
        using var store = Store();
        await store.CreateAsync("docs", cancellationToken: Ct);

        var ex = await Assert.ThrowsAsync<KnowledgeException>(() => store.AddDocumentsAsync("docs", [Corpus[0] with { Source = (SourceKind)42 }], Ct));

        Assert.Equal(KnowledgeErrorKind.InvalidSourceKind, ex.Kind);
    }

    [Fact]
    public async Task AddDocumentsAsync_UnchangedChunkText_IsNeverEmbeddedTwiceEvenAfterRestart()
    {
        using (var store = Store())
        {
            await store.CreateAsync("docs", cancellationToken: Ct);
            await store.AddDocumentsAsync("docs", Corpus, Ct);
            await store.RemoveDocumentsAsync("docs", ["fetch"], Ct);
        }

        var before = _embedder.Embedded;
        using var reopened = Store();
        var result = await reopened.AddDocumentsAsync("docs", [Corpus[0], Corpus[0] with { Id = "fetch-copy", Provenance = new Provenance { File = "x.md" } }], Ct);

        Assert.Equal(before, _embedder.Embedded);
        Assert.Equal((0, 1), (result.Embedded, result.EmbeddingCacheHits));
        Assert.Equal(SkipReason.NearDuplicate, Assert.Single(result.SkippedDocuments).Reason);
    }

    [Fact]
    public async Task Store_Reopened_KeepsDocumentsAndBothIndexes()
    {
        using (var store = Store())
        {
            await store.CreateAsync("docs", new KnowledgeBaseSpec { Description = "api docs" }, Ct);
            await store.AddDocumentsAsync("docs", Corpus, Ct);
        }

        using var reopened = Store();
        var info = await reopened.GetAsync("docs", Ct);
        var bm25 = await reopened.SearchAsync("docs", new SearchRequest { Query = "lexicographic prefix", Mode = SearchMode.Bm25, K = 1 }, Ct);
        var dense = await reopened.SearchAsync("docs", new SearchRequest { Query = "Bucket.scan iterates keys in lexicographic order", Mode = SearchMode.Dense, K = 1 }, Ct);

        Assert.Equal((Corpus.Length, Corpus.Length, "api docs"), (info.Documents, info.Vectors, info.Description));
        Assert.Equal("scan", bm25.Hits[0].Chunk.DocumentId);
        Assert.Equal("scan", dense.Hits[0].Chunk.DocumentId);
        Assert.Equal(Corpus[1] with { Title = "Bucket.scan" }, await reopened.GetDocumentAsync("docs", "scan", Ct));
    }

    [Fact]
    public async Task RemoveDocumentsAsync_Document_GoneFromBothRetrievers()
    {
        using var store = Store();
        await store.CreateAsync("docs", cancellationToken: Ct);
        await store.AddDocumentsAsync("docs", Corpus, Ct);

        var removed = await store.RemoveDocumentsAsync("docs", ["scan", "missing"], Ct);
        var result = await store.SearchAsync("docs", new SearchRequest { Query = "Bucket.scan lexicographic", K = 10 }, Ct);

        Assert.Equal(1, removed);
        Assert.DoesNotContain(result.Hits, h => h.Chunk.DocumentId == "scan");
        Assert.Equal(Corpus.Length - 1, (await store.GetAsync("docs", Ct)).Vectors);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public async Task SearchAsync_EmptyQuery_ThrowsEmptyQuery(string query)
    {
        using var store = Store();
        await store.CreateAsync("docs", cancellationToken: Ct);

        var ex = await Assert.ThrowsAsync<KnowledgeException>(() => store.SearchAsync("docs", new SearchRequest { Query = query }, Ct));

        Assert.Equal(KnowledgeErrorKind.EmptyQuery, ex.Kind);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(101)]
    public async Task SearchAsync_KOutOfRange_ThrowsInvalidRequest(int k)
    {
        using var store = Store();
        await store.CreateAsync("docs", cancellationToken: Ct);

        var ex = await Assert.ThrowsAsync<KnowledgeException>(() => store.SearchAsync("docs", new SearchRequest { Query = "x", K = k }, Ct));

        Assert.Equal((KnowledgeErrorKind.InvalidRequest, "k"), (ex.Kind, ex.Field));
    }

    [Theory]
    [InlineData(SearchMode.Bm25)]
    [InlineData(SearchMode.Dense)]
    [InlineData(SearchMode.Hybrid)]
    public async Task SearchAsync_Filters_ReturnOnlyMatchingChunks(SearchMode mode)
    {
        using var store = Store();
        await store.CreateAsync("docs", cancellationToken: Ct);
        await store.AddDocumentsAsync("docs", Corpus, Ct);

        var feedback = await store.SearchAsync("docs", new SearchRequest { Query = "open_bucket pondlet fetch", Mode = mode, K = 10, Sources = [SourceKind.ExecutionFeedback, SourceKind.CodeSnippet] }, Ct);
        var java = await store.SearchAsync("docs", new SearchRequest { Query = "Bucket.fetch reads values", Mode = mode, K = 10, Languages = ["JAVA"] }, Ct);
        var library = await store.SearchAsync("docs", new SearchRequest { Query = "Bucket.fetch reads values", Mode = mode, K = 10, Libraries = ["pondlet-java"], Languages = ["java"] }, Ct);
        var none = await store.SearchAsync("docs", new SearchRequest { Query = "Bucket.fetch", Mode = mode, K = 10, Libraries = ["unknown"] }, Ct);

        Assert.NotEmpty(feedback.Hits);
        Assert.All(feedback.Hits, h => Assert.Contains(h.Chunk.Source, new[] { SourceKind.ExecutionFeedback, SourceKind.CodeSnippet }));
        Assert.Equal("java-doc", Assert.Single(java.Hits).Chunk.DocumentId);
        Assert.Equal("java-doc", Assert.Single(library.Hits).Chunk.DocumentId);
        Assert.Empty(none.Hits);
    }

    [Fact]
    public async Task SearchAsync_Hybrid_SaysWhichRetrieverFoundEachHit()
    {
        using var store = Store();
        await store.CreateAsync("docs", cancellationToken: Ct);
        await store.AddDocumentsAsync("docs", Corpus, Ct);

        var result = await store.SearchAsync("docs", new SearchRequest { Query = "Bucket.fetch renamed from get", K = 6 }, Ct);

        var top = result.Hits[0];
        Assert.Equal("fetch", top.Chunk.DocumentId);
        Assert.Equal(Retrievers.Bm25 | Retrievers.Dense, top.FoundBy);
        Assert.Equal((1, 1), (top.Bm25Rank, top.DenseRank));
        Assert.NotNull(top.Bm25Score);
        Assert.NotNull(top.DenseScore);
        Assert.Equal((2.0 / 61), top.Score, 6);
        Assert.All(result.Hits, h => Assert.Equal(h.FoundBy.HasFlag(Retrievers.Bm25), h.Bm25Rank is not null));
        Assert.Equal("docs", top.KnowledgeBase);
    }

    [Fact]
    public async Task SearchAsync_TokenBudget_ReturnsWholeChunksWithinBudget()
    {
        using var store = Store();
        await store.CreateAsync("docs", cancellationToken: Ct);
        await store.AddDocumentsAsync("docs", Corpus, Ct);
        var all = await store.SearchAsync("docs", new SearchRequest { Query = "Bucket fetch scan connect pondlet", K = 6 }, Ct);
        var budget = all.Hits[0].Chunk.Tokens + all.Hits[1].Chunk.Tokens;

        var packed = await store.SearchAsync("docs", new SearchRequest { Query = "Bucket fetch scan connect pondlet", K = 6, TokenBudget = budget }, Ct);

        Assert.InRange(packed.Tokens, 1, budget);
        Assert.Equal(budget, packed.TokenBudget);
        Assert.Equal(packed.Tokens, packed.Hits.Sum(h => h.Chunk.Tokens));
        Assert.Equal(all.Hits[0].Chunk.ChunkId, packed.Hits[0].Chunk.ChunkId);
        Assert.True(packed.OmittedForBudget > 0);
    }

    [Fact]
    public async Task SearchAsync_QuantizedScan_SameTopHitAsExact()
    {
        using var exact = Store();
        await exact.CreateAsync("docs", cancellationToken: Ct);
        await exact.AddDocumentsAsync("docs", Corpus, Ct);
        var expected = await exact.SearchAsync("docs", new SearchRequest { Query = "iterate keys in order", Mode = SearchMode.Dense, K = 3 }, Ct);
        exact.Dispose();

        using var quantized = Store(r: r => r.QuantizedScanThreshold = 0);
        var actual = await quantized.SearchAsync("docs", new SearchRequest { Query = "iterate keys in order", Mode = SearchMode.Dense, K = 3 }, Ct);

        Assert.Equal(expected.Hits.Select(h => h.Chunk.ChunkId), actual.Hits.Select(h => h.Chunk.ChunkId));
    }

    [Fact]
    public async Task SearchAsync_DenseWithEmbeddingsDisabled_ThrowsDenseUnavailable()
    {
        using var store = TestServices.CreateStore(_dir.Path, embedder: null);
        await store.CreateAsync("docs", cancellationToken: Ct);
        await store.AddDocumentsAsync("docs", Corpus, Ct);

        var ex = await Assert.ThrowsAsync<KnowledgeException>(() => store.SearchAsync("docs", new SearchRequest { Query = "fetch" }, Ct));
        var bm25 = await store.SearchAsync("docs", new SearchRequest { Query = "fetch", Mode = SearchMode.Bm25 }, Ct);

        Assert.Equal(KnowledgeErrorKind.DenseUnavailable, ex.Kind);
        Assert.NotEmpty(bm25.Hits);
        Assert.Equal(0, (await store.GetAsync("docs", Ct)).Vectors);
    }

    [Fact]
    public async Task Overlay_SearchSeesBothLayers_ParentDoesNotSeeOverlay()
    {
        using var store = Store();
        await store.CreateAsync("shared", cancellationToken: Ct);
        await store.AddDocumentsAsync("shared", Corpus, Ct);
        await store.CreateAsync("job-1", new KnowledgeBaseSpec { Parent = "shared" }, Ct);
        await store.AddDocumentsAsync("job-1", [Doc("round-1", "Passing snippet: counter = bucket.incr('visits')", SourceKind.CodeSnippet)], Ct);

        var fromOverlay = await store.SearchAsync("job-1", new SearchRequest { Query = "bucket.incr visits counter", K = 10 }, Ct);
        var fromParent = await store.SearchAsync("shared", new SearchRequest { Query = "bucket.incr visits counter", K = 10 }, Ct);

        Assert.Equal(("round-1", "job-1"), (fromOverlay.Hits[0].Chunk.DocumentId, fromOverlay.Hits[0].KnowledgeBase));
        Assert.Contains(fromOverlay.Hits, h => h.KnowledgeBase == "shared");
        Assert.DoesNotContain(fromParent.Hits, h => h.Chunk.DocumentId == "round-1");
    }

    [Fact]
    public async Task Overlay_WritesAndRemovals_SurviveReopenOfTheStore()
    {
        using (var store = Store())
        {
            await store.CreateAsync("shared", cancellationToken: Ct);
            await store.CreateAsync("job-1", new KnowledgeBaseSpec { Parent = "shared" }, Ct);
            await store.AddDocumentsAsync("job-1", [Doc("round-1", "Passing snippet: counter = bucket.incr('visits')", SourceKind.CodeSnippet)], Ct);
            await store.AddDocumentsAsync("job-1", [Doc("round-2", "Failing draft: bucket.increment is not defined", SourceKind.ExecutionFeedback)], Ct);
            await store.RemoveDocumentsAsync("job-1", ["round-2"], Ct);
        }

        using var reopened = Store();
        var hits = await reopened.SearchAsync("job-1", new SearchRequest { Query = "bucket.incr visits counter", K = 10 }, Ct);

        Assert.Equal(1, (await reopened.GetAsync("job-1", Ct)).Documents);
        Assert.Equal(("round-1", "job-1"), (hits.Hits[0].Chunk.DocumentId, hits.Hits[0].KnowledgeBase));
    }

    [Fact]
    public async Task Overlay_SameIdAsParent_ShadowsParentDocument()
    {
        using var store = Store();
        await store.CreateAsync("shared", cancellationToken: Ct);
        await store.AddDocumentsAsync("shared", Corpus, Ct);
        await store.CreateAsync("job-1", new KnowledgeBaseSpec { Parent = "shared" }, Ct);
        await store.AddDocumentsAsync("job-1", [Doc("scan", "# Bucket.scan (corrected)\nscan returns keys in reverse order when reverse=True is passed to it.")], Ct);

        var result = await store.SearchAsync("job-1", new SearchRequest { Query = "Bucket.scan keys order", K = 10 }, Ct);

        var scans = result.Hits.Where(h => h.Chunk.DocumentId == "scan").ToList();
        Assert.Equal("job-1", Assert.Single(scans).KnowledgeBase);
    }

    [Fact]
    public async Task PromoteAsync_OverlayDocuments_MoveIntoParent()
    {
        using var store = Store();
        await store.CreateAsync("shared", cancellationToken: Ct);
        await store.CreateAsync("job-1", new KnowledgeBaseSpec { Parent = "shared" }, Ct);
        var feedback = Doc("fb", "AttributeError: 'Bucket' object has no attribute 'get' (use fetch)", SourceKind.ExecutionFeedback) with
        {
            Provenance = new Provenance { ProblemId = "P7", Round = 1, JobId = "job-1" },
        };
        await store.AddDocumentsAsync("job-1", [feedback, Doc("keep", "Unrelated overlay note about something else entirely.")], Ct);

        var result = await store.PromoteAsync("job-1", ["fb"], Ct);

        Assert.Equal(1, result.Added);
        Assert.Equal(feedback with { Title = null, Provenance = feedback.Provenance with { Overlay = "job-1" } }, await store.GetDocumentAsync("shared", "fb", Ct));
        Assert.Null(await store.GetDocumentAsync("job-1", "fb", Ct));
        Assert.Equal(1, (await store.GetAsync("job-1", Ct)).Documents);
        var hit = (await store.SearchAsync("shared", new SearchRequest { Query = "no attribute get", K = 1 }, Ct)).Hits[0];
        Assert.Equal(("fb", "P7", 1), (hit.Chunk.DocumentId, hit.Chunk.Provenance?.ProblemId, hit.Chunk.Provenance?.Round));
    }

    [Fact]
    public async Task PromoteAsync_SharedBase_ThrowsInvalidRequest()
    {
        using var store = Store();
        await store.CreateAsync("shared", cancellationToken: Ct);

        var ex = await Assert.ThrowsAsync<KnowledgeException>(() => store.PromoteAsync("shared", cancellationToken: Ct));

        Assert.Equal(KnowledgeErrorKind.InvalidRequest, ex.Kind);
    }

    [Fact]
    public async Task DeleteAsync_ParentWithOverlays_DeletesThemTooThenUnknown()
    {
        using var store = Store();
        await store.CreateAsync("shared", cancellationToken: Ct);
        await store.CreateAsync("job-1", new KnowledgeBaseSpec { Parent = "shared" }, Ct);
        await store.CreateAsync("job-2", new KnowledgeBaseSpec { Parent = "shared" }, Ct);
        await store.AddDocumentsAsync("job-1", [Doc("fb", "AttributeError: no attribute get")], Ct);

        await store.DeleteAsync("shared", Ct);

        Assert.Empty(await store.ListAsync(Ct));
        Assert.Empty(await store.ListOverlaysAsync(null, Ct));
        Assert.Equal(KnowledgeErrorKind.UnknownBase, (await Assert.ThrowsAsync<KnowledgeException>(() => store.GetAsync("job-1", Ct))).Kind);
        Assert.Equal(KnowledgeErrorKind.UnknownBase, (await Assert.ThrowsAsync<KnowledgeException>(() => store.GetAsync("shared", Ct))).Kind);
        Assert.DoesNotContain(Directory.EnumerateDirectories(_dir.Path), d => Path.GetFileName(d) is "shared" or "job-1" or "job-2");
    }

    [Fact]
    public async Task CreateAsync_OverlayOfOverlay_ThrowsInvalidRequest()
    {
        using var store = Store();
        await store.CreateAsync("shared", cancellationToken: Ct);
        await store.CreateAsync("job-1", new KnowledgeBaseSpec { Parent = "shared" }, Ct);

        var ex = await Assert.ThrowsAsync<KnowledgeException>(() => store.CreateAsync("job-2", new KnowledgeBaseSpec { Parent = "job-1" }, Ct));

        Assert.Equal(KnowledgeErrorKind.InvalidRequest, ex.Kind);
    }
}
