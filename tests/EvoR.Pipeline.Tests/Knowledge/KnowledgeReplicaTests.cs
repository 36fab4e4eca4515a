using System.Diagnostics;
using EvoR.Pipeline.Knowledge;
using EvoR.Pipeline.Knowledge.Sources;

namespace EvoR.Pipeline.Tests.Knowledge;

/// <summary>
/// Two stores on one PostgreSQL database with their own index folders (replicas A and B): what is written through
/// one is searchable through the other within <see cref="KnowledgeOptions.FollowInterval"/> (1 s by default) plus the
/// time to apply it. Skipped with the reason when <c>EVOR_TEST_POSTGRES</c> is unset or unreachable.
/// </summary>
public sealed class KnowledgeReplicaTests
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    /// <summary>The stated bound: the default follow interval, with room for applying the change on a loaded 2-core machine.</summary>
    private static readonly TimeSpan Bound = new KnowledgeOptions().FollowInterval + TimeSpan.FromSeconds(2);

    private readonly HashingEmbedder _embedder = new();

    private static KnowledgeDocument Doc(string id, string text) => new() { Id = id, Text = text, Language = "python", Library = "pondlet" };

    private static readonly SearchRequest IncrQuery = new() { Query = "bucket incr atomic counter", Mode = SearchMode.Bm25, K = 5 };

    /// <summary>Replica A on the target's own folder, at the default follow interval (the bound under test).</summary>
    private Task<KnowledgeStoreTarget> ReplicaA() =>
        KnowledgeStoreTarget.CreateAsync("postgres", _embedder, Ct, k => k.FollowInterval = new KnowledgeOptions().FollowInterval);

    private static async Task<TimeSpan> UntilAsync(Func<Task<bool>> condition)
    {
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            if (watch.Elapsed > Bound)
            {
                Assert.Fail($"Not seen within {Bound.TotalSeconds:0.#} s.");
            }

            await Task.Delay(20, Ct);
        }

        return watch.Elapsed;
    }

    private static async Task<bool> FindsAsync(KnowledgeBaseStore store, string id) =>
        (await store.SearchAsync("docs", IncrQuery, Ct)).Hits.Any(h => h.Chunk.DocumentId == id);

    [Fact]
    public async Task AddedThroughA_SearchableThroughB_WithinTheBound()
    {
        await using var a = await ReplicaA();
        using var folderB = new TempDirectory();
        await using var b = a.NewStore(folderB.Path);
        await a.Store.CreateAsync("docs", cancellationToken: Ct);
        Assert.Equal(0, (await b.GetAsync("docs", Ct)).Documents);

        await a.Store.AddDocumentsAsync("docs", [Doc("incr", "# Bucket.incr\nAtomically adds to an integer counter.")], Ct);
        var seen = await UntilAsync(() => FindsAsync(b, "incr"));

        TestContext.Current.TestOutputHelper?.WriteLine($"added through A, searchable through B after {seen.TotalMilliseconds:0} ms");
        Assert.True(seen <= Bound, $"seen after {seen.TotalMilliseconds:0} ms");
        Assert.Equal("# Bucket.incr\nAtomically adds to an integer counter.", (await b.GetDocumentAsync("docs", "incr", Ct))?.Text);
    }

    [Fact]
    public async Task WithoutNotifications_BFollowsByPolling_WithinTheBound()
    {
        await using var a = await ReplicaA();
        using var folderB = new TempDirectory();
        await using var b = TestServices.CreateStore(
            folderB.Path, _embedder, k => k.FollowInterval = new KnowledgeOptions().FollowInterval, source: new PollingOnlySource(a.Database!.Source()));
        await a.Store.CreateAsync("docs", cancellationToken: Ct);
        await b.GetAsync("docs", Ct);

        await a.Store.AddDocumentsAsync("docs", [Doc("incr", "# Bucket.incr\nAtomically adds to an integer counter.")], Ct);
        var seen = await UntilAsync(() => FindsAsync(b, "incr"));

        TestContext.Current.TestOutputHelper?.WriteLine($"polling only: searchable through B after {seen.TotalMilliseconds:0} ms");
    }

    [Fact]
    public async Task RemovedThroughA_DisappearsFromB_WithinTheBound()
    {
        await using var a = await ReplicaA();
        using var folderB = new TempDirectory();
        await using var b = a.NewStore(folderB.Path);
        await a.Store.CreateAsync("docs", cancellationToken: Ct);
        await a.Store.AddDocumentsAsync("docs", [Doc("incr", "# Bucket.incr\nAtomically adds to an integer counter."), Doc("scan", "# Bucket.scan\nIterates keys.")], Ct);
        await UntilAsync(() => FindsAsync(b, "incr"));

        await a.Store.RemoveDocumentsAsync("docs", ["incr"], Ct);
        await UntilAsync(async () => !await FindsAsync(b, "incr"));

        Assert.Null(await b.GetDocumentAsync("docs", "incr", Ct));
        Assert.Equal(1, (await b.GetAsync("docs", Ct)).Documents);
    }

    [Fact]
    public async Task BaseDeletedThroughA_GoneFromB_WithItsFolder()
    {
        await using var a = await ReplicaA();
        using var folderB = new TempDirectory();
        await using var b = a.NewStore(folderB.Path);
        await a.Store.CreateAsync("docs", new KnowledgeBaseSpec { Owner = "alice", Shared = true, Description = "api" }, Ct);
        var info = await b.GetAsync("docs", Ct);
        Assert.Equal(("alice", true, "api"), (info.Owner, info.Shared, info.Description));

        await a.Store.DeleteAsync("docs", Ct);
        await UntilAsync(async () => (await b.ListAsync(Ct)).Count == 0 && !Directory.Exists(Path.Combine(folderB.Path, "docs")));

        Assert.Equal(KnowledgeErrorKind.UnknownBase, (await Assert.ThrowsAsync<KnowledgeException>(() => b.GetAsync("docs", Ct))).Kind);
    }

    [Fact]
    public async Task AddThroughB_AfterADeletedTheBase_UnknownBaseAndNothingWritten()
    {
        await using var a = await ReplicaA();
        using var folderB = new TempDirectory();
        await using var b = TestServices.CreateStore(
            folderB.Path, _embedder, k => k.FollowInterval = TimeSpan.FromMinutes(1), source: new PollingOnlySource(a.Database!.Source()));
        await a.Store.CreateAsync("docs", cancellationToken: Ct);
        await b.GetAsync("docs", Ct);
        await a.Store.DeleteAsync("docs", Ct);

        // B still has its copy (it polls once a minute here), but the database refuses the write.
        var ex = await Assert.ThrowsAsync<KnowledgeException>(() => b.AddDocumentsAsync("docs", [Doc("incr", "# Bucket.incr\nAtomically adds.")], Ct));

        Assert.Equal(KnowledgeErrorKind.UnknownBase, ex.Kind);
        await a.Store.CreateAsync("docs", cancellationToken: Ct);
        Assert.Equal(0, (await a.Store.GetAsync("docs", Ct)).Documents);
    }

    [Fact]
    public async Task BStartedAfterAsWrites_CatchesUpAtStart()
    {
        await using var a = await ReplicaA();
        await a.Store.CreateAsync("docs", cancellationToken: Ct);
        await a.Store.CreateAsync("job-1", new KnowledgeBaseSpec { Parent = "docs" }, Ct);
        await a.Store.AddDocumentsAsync("docs", [Doc("incr", "# Bucket.incr\nAtomically adds to an integer counter.")], Ct);
        await a.Store.AddDocumentsAsync("job-1", [Doc("round-1", "Passing snippet: counter = bucket.incr('visits')")], Ct);
        await a.Store.RemoveDocumentsAsync("docs", ["never-there"], Ct);

        using var folderB = new TempDirectory();
        await using var b = a.NewStore(folderB.Path);
        await b.StartAsync(Ct);

        // No waiting: the start itself caught up.
        Assert.Equal(["docs"], (await b.ListAsync(Ct)).Select(i => i.Name));
        Assert.Equal(["job-1"], (await b.ListOverlaysAsync("docs", Ct)).Select(i => i.Name));
        Assert.True(await FindsAsync(b, "incr"));
        Assert.Equal("round-1", (await b.SearchAsync("job-1", new SearchRequest { Query = "visits counter", Mode = SearchMode.Bm25 }, Ct)).Hits[0].Chunk.DocumentId);
    }

    [Fact]
    public async Task BRestarted_ResumesFromItsLastSequence_AndRebuildsADeletedFolder()
    {
        await using var a = await ReplicaA();
        using var folderB = new TempDirectory();
        await a.Store.CreateAsync("docs", cancellationToken: Ct);
        await a.Store.AddDocumentsAsync("docs", [Doc("incr", "# Bucket.incr\nAtomically adds to an integer counter.")], Ct);
        await using (var b = a.NewStore(folderB.Path))
        {
            Assert.True(await FindsAsync(b, "incr"));
        }

        // Changes made while B is down, including a removal, are caught up from B's last committed sequence.
        await a.Store.AddDocumentsAsync("docs", [Doc("incr-2", "# Bucket.incr_by\nAtomically adds a step to an integer counter.")], Ct);
        await a.Store.RemoveDocumentsAsync("docs", ["incr"], Ct);
        await using (var b = a.NewStore(folderB.Path))
        {
            await b.StartAsync(Ct);
            Assert.True(await FindsAsync(b, "incr-2"));
            Assert.False(await FindsAsync(b, "incr"));
        }

        // The index folder is a copy: deleted, it is rebuilt from the database.
        Directory.Delete(folderB.Path, recursive: true);
        await using (var b = a.NewStore(folderB.Path))
        {
            await b.StartAsync(Ct);
            var info = await b.GetAsync("docs", Ct);
            Assert.Equal((1, 1), (info.Documents, info.Vectors));
            Assert.True(await FindsAsync(b, "incr-2"));
        }
    }

    [Fact]
    public async Task StartAsync_FolderHoldingALocalBase_RefusedAndLeftAlone()
    {
        await using var a = await ReplicaA();
        using var folder = new TempDirectory();
        using (var local = TestServices.CreateStore(folder.Path, null))
        {
            await local.CreateAsync("mine", cancellationToken: Ct);
        }

        await using var replica = a.NewStore(folder.Path);
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => replica.StartAsync(Ct));

        Assert.Contains("holds a local knowledge base", ex.Message, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(folder.Path, "mine", "base.json")));
    }

    [Fact]
    public async Task WritesThroughBothReplicas_BothSeeEverything()
    {
        await using var a = await ReplicaA();
        using var folderB = new TempDirectory();
        await using var b = a.NewStore(folderB.Path);
        await a.Store.CreateAsync("docs", cancellationToken: Ct);

        await Task.WhenAll(
            a.Store.AddDocumentsAsync("docs", [Doc("from-a", "# Bucket.incr\nAtomically adds to an integer counter, written through A.")], Ct),
            b.AddDocumentsAsync("docs", [Doc("from-b", "# Counter.incr\nA bucket counter, incr is atomic here too, written through B.")], Ct));

        await UntilAsync(async () => await FindsAsync(a.Store, "from-b") && await FindsAsync(b, "from-a"));
        Assert.Equal(2, (await a.Store.GetAsync("docs", Ct)).Documents);
        Assert.Equal(2, (await b.GetAsync("docs", Ct)).Documents);
    }
}

/// <summary>A PostgreSQL source whose notifications never arrive, so its replica finds changes by polling alone.</summary>
internal sealed class PollingOnlySource(IKnowledgeDocumentSource inner) : IKnowledgeDocumentSource
{
    public bool IsShared => inner.IsShared;

    public Task InitializeAsync(CancellationToken cancellationToken) => inner.InitializeAsync(cancellationToken);

    public Task<IReadOnlyList<SourceBase>> ListBasesAsync(CancellationToken cancellationToken) => inner.ListBasesAsync(cancellationToken);

    public Task<long> CreateBaseAsync(KnowledgeBaseMeta meta, CancellationToken cancellationToken) => inner.CreateBaseAsync(meta, cancellationToken);

    public Task<long> DeleteBaseAsync(string name, CancellationToken cancellationToken) => inner.DeleteBaseAsync(name, cancellationToken);

    public Task<SourceWrite> WriteDocumentsAsync(IReadOnlyList<DocumentWrite> writes, CancellationToken cancellationToken) =>
        inner.WriteDocumentsAsync(writes, cancellationToken);

    public Task<IReadOnlyList<SourceChange>> ReadChangesAsync(long after, int limit, string? baseName, CancellationToken cancellationToken) =>
        inner.ReadChangesAsync(after, limit, baseName, cancellationToken);

    public Task<long> HeadAsync(CancellationToken cancellationToken) => inner.HeadAsync(cancellationToken);

    public Task WaitForChangeAsync(TimeSpan timeout, CancellationToken cancellationToken) => Task.Delay(timeout, cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();

    public void Dispose() => inner.Dispose();
}
