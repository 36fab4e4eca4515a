using EvoR.Pipeline.Knowledge;

namespace EvoR.Pipeline.Tests.Knowledge;

/// <summary>
/// What <see cref="IKnowledgeBaseStore"/> promises, on both document sources: <c>local</c> folders and
/// <c>postgres</c> (skipped with the reason when <c>EVOR_TEST_POSTGRES</c> is unset or unreachable).
/// </summary>
public sealed class KnowledgeStoreContractTests
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;
    private readonly HashingEmbedder _embedder = new();

    public static TheoryData<string> Sources => ["local", "postgres"];

    private static KnowledgeDocument Doc(string id, string text, SourceKind source = SourceKind.Documentation) =>
        new() { Id = id, Text = text, Source = source, Language = "python", Library = "pondlet" };

    private static readonly KnowledgeDocument[] Corpus =
    [
        Doc("fetch", "# Bucket.fetch\nReads the value stored under a key. Renamed from Bucket.get in version 3."),
        Doc("scan", "# Bucket.scan\nIterates keys in lexicographic order starting with a prefix."),
        Doc("connect", "# pondlet.connect\nOpens a client session to the server with a timeout."),
        Doc("feedback-1", "NameError: name 'open_bucket' is not defined", SourceKind.ExecutionFeedback),
    ];

    private Task<KnowledgeStoreTarget> Target(string source, Action<KnowledgeOptions>? knowledge = null) =>
        KnowledgeStoreTarget.CreateAsync(source, _embedder, Ct, knowledge);

    [Theory]
    [MemberData(nameof(Sources))]
    public async Task CreateAsync_ThenAdd_ListAndGetReportSizesAndMetadata(string source)
    {
        await using var target = await Target(source);
        var store = target.Store;
        await store.CreateAsync("docs", new KnowledgeBaseSpec { Description = "api docs", Owner = "alice", Shared = true }, Ct);

        var result = await store.AddDocumentsAsync("docs", Corpus, Ct);
        var info = Assert.Single(await store.ListAsync(Ct));

        Assert.Equal(Corpus.Length, result.Added);
        Assert.Equal(("docs", Corpus.Length, Corpus.Length, Corpus.Length), (info.Name, info.Documents, info.Chunks, info.Vectors));
        Assert.Equal(("api docs", "alice", true), (info.Description, info.Owner, info.Shared));
        Assert.Equal("hashing-test", info.EmbeddingModel);
        Assert.Equal(Corpus[1] with { Title = "Bucket.scan" }, await store.GetDocumentAsync("docs", "scan", Ct));
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public async Task CreateAsync_ExistingName_ThrowsBaseAlreadyExists(string source)
    {
        await using var target = await Target(source);
        await target.Store.CreateAsync("docs", cancellationToken: Ct);

        var ex = await Assert.ThrowsAsync<KnowledgeException>(() => target.Store.CreateAsync("docs", cancellationToken: Ct));

        Assert.Equal(KnowledgeErrorKind.BaseAlreadyExists, ex.Kind);
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public async Task Methods_UnknownBase_ThrowUnknownBase(string source)
    {
        await using var target = await Target(source);
        var store = target.Store;

        Assert.Equal(KnowledgeErrorKind.UnknownBase, (await Assert.ThrowsAsync<KnowledgeException>(() => store.SearchAsync("nope", new SearchRequest { Query = "x" }, Ct))).Kind);
        Assert.Equal(KnowledgeErrorKind.UnknownBase, (await Assert.ThrowsAsync<KnowledgeException>(() => store.AddDocumentsAsync("nope", Corpus, Ct))).Kind);
        Assert.Equal(KnowledgeErrorKind.UnknownBase, (await Assert.ThrowsAsync<KnowledgeException>(() => store.CreateAsync("child", new KnowledgeBaseSpec { Parent = "nope" }, Ct))).Kind);
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public async Task AddDocumentsAsync_AgainWithChanges_CountsAddedUpdatedSkipped(string source)
    {
        await using var target = await Target(source);
        var store = target.Store;
        await store.CreateAsync("docs", cancellationToken: Ct);
        await store.AddDocumentsAsync("docs", Corpus, Ct);

        var result = await store.AddDocumentsAsync(
            "docs",
            [
                Corpus[0],
                Corpus[1] with { Text = Corpus[1].Text + " Pagination is automatic." },
                Doc("new", "# Bucket.incr\nAtomically adds to an integer counter."),
                Doc("new", "# duplicate id in the same request"),
                Corpus[2] with { Id = "connect-copy" },
            ],
            Ct);

        Assert.Equal((1, 1, 3), (result.Added, result.Updated, result.Skipped));
        Assert.Contains(new SkippedDocument("fetch", SkipReason.Unchanged), result.SkippedDocuments);
        Assert.Contains(new SkippedDocument("new", SkipReason.DuplicateInRequest), result.SkippedDocuments);
        Assert.Contains(new SkippedDocument("connect-copy", SkipReason.NearDuplicate, "connect"), result.SkippedDocuments);
        Assert.Equal(["scan", "new"], result.WrittenIds);
        Assert.Contains("Pagination", (await store.GetDocumentAsync("docs", "scan", Ct))?.Text, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public async Task RemoveDocumentsAsync_Document_GoneFromBothRetrieversAndCounted(string source)
    {
        await using var target = await Target(source);
        var store = target.Store;
        await store.CreateAsync("docs", cancellationToken: Ct);
        await store.AddDocumentsAsync("docs", Corpus, Ct);

        var removed = await store.RemoveDocumentsAsync("docs", ["scan", "missing"], Ct);
        var result = await store.SearchAsync("docs", new SearchRequest { Query = "Bucket.scan lexicographic", K = 10 }, Ct);

        Assert.Equal(1, removed);
        Assert.DoesNotContain(result.Hits, h => h.Chunk.DocumentId == "scan");
        Assert.Null(await store.GetDocumentAsync("docs", "scan", Ct));
        Assert.Equal(Corpus.Length - 1, (await store.GetAsync("docs", Ct)).Vectors);
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public async Task Store_Reopened_KeepsBasesDocumentsAndBothIndexes(string source)
    {
        await using var target = await Target(source);
        await target.Store.CreateAsync("docs", new KnowledgeBaseSpec { Description = "api docs" }, Ct);
        await target.Store.AddDocumentsAsync("docs", Corpus, Ct);
        await target.Store.RemoveDocumentsAsync("docs", ["connect"], Ct);

        await target.ReopenAsync();
        var info = await target.Store.GetAsync("docs", Ct);
        var bm25 = await target.Store.SearchAsync("docs", new SearchRequest { Query = "lexicographic prefix", Mode = SearchMode.Bm25, K = 1 }, Ct);
        var dense = await target.Store.SearchAsync("docs", new SearchRequest { Query = "Bucket.scan iterates keys in lexicographic order", Mode = SearchMode.Dense, K = 1 }, Ct);

        Assert.Equal((Corpus.Length - 1, Corpus.Length - 1, "api docs"), (info.Documents, info.Vectors, info.Description));
        Assert.Equal("scan", bm25.Hits[0].Chunk.DocumentId);
        Assert.Equal("scan", dense.Hits[0].Chunk.DocumentId);
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public async Task Overlay_SearchSeesBothLayersAndShadows_PromoteMovesDocuments(string source)
    {
        await using var target = await Target(source);
        var store = target.Store;
        await store.CreateAsync("shared", cancellationToken: Ct);
        await store.AddDocumentsAsync("shared", Corpus, Ct);
        await store.CreateAsync("job-1", new KnowledgeBaseSpec { Parent = "shared", JobId = "job-1" }, Ct);
        await store.AddDocumentsAsync(
            "job-1",
            [
                Doc("round-1", "Passing snippet: counter = bucket.incr('visits')", SourceKind.CodeSnippet),
                Doc("scan", "# Bucket.scan (corrected)\nscan returns keys in reverse order when reverse=True is passed to it."),
            ],
            Ct);

        var fromOverlay = await store.SearchAsync("job-1", new SearchRequest { Query = "bucket.incr visits counter Bucket.scan keys", K = 10 }, Ct);
        var overlays = await store.ListOverlaysAsync("shared", Ct);
        var promoted = await store.PromoteAsync("job-1", ["round-1"], Ct);

        Assert.Contains(fromOverlay.Hits, h => (h.Chunk.DocumentId, h.KnowledgeBase) == ("round-1", "job-1"));
        Assert.Equal("job-1", Assert.Single(fromOverlay.Hits, h => h.Chunk.DocumentId == "scan").KnowledgeBase);
        Assert.Equal(("job-1", "job-1"), (Assert.Single(overlays).Name, overlays[0].JobId));
        Assert.Equal(1, promoted.Added);
        Assert.Equal("job-1", (await store.GetDocumentAsync("shared", "round-1", Ct))?.Provenance?.Overlay);
        Assert.Null(await store.GetDocumentAsync("job-1", "round-1", Ct));
        Assert.Equal(1, (await store.GetAsync("job-1", Ct)).Documents);
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public async Task DeleteAsync_ParentWithOverlays_DeletesThemTooThenUnknown(string source)
    {
        await using var target = await Target(source);
        var store = target.Store;
        await store.CreateAsync("shared", cancellationToken: Ct);
        await store.CreateAsync("job-1", new KnowledgeBaseSpec { Parent = "shared" }, Ct);
        await store.AddDocumentsAsync("job-1", [Doc("fb", "AttributeError: no attribute get")], Ct);

        await store.DeleteAsync("shared", Ct);

        Assert.Empty(await store.ListAsync(Ct));
        Assert.Empty(await store.ListOverlaysAsync(null, Ct));
        Assert.Equal(KnowledgeErrorKind.UnknownBase, (await Assert.ThrowsAsync<KnowledgeException>(() => store.GetAsync("job-1", Ct))).Kind);
        Assert.DoesNotContain(Directory.EnumerateDirectories(target.Root), d => Path.GetFileName(d) is "shared" or "job-1");

        // The name is free again, for a new, empty base.
        await store.CreateAsync("shared", cancellationToken: Ct);
        Assert.Equal(0, (await store.GetAsync("shared", Ct)).Documents);
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public async Task CreateAsync_MaxBasesReached_OverlaysStillCreatedBasesRefused(string source)
    {
        await using var target = await Target(source, k => k.MaxBases = 1);
        await target.Store.CreateAsync("a", cancellationToken: Ct);

        await target.Store.CreateAsync("ov-a", new KnowledgeBaseSpec { Parent = "a" }, Ct);
        var ex = await Assert.ThrowsAsync<KnowledgeException>(() => target.Store.CreateAsync("b", cancellationToken: Ct));

        Assert.Equal(KnowledgeErrorKind.InvalidRequest, ex.Kind);
    }
}
