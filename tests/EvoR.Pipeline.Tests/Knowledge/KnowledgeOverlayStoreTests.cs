using EvoR.Pipeline.Generation;
using EvoR.Pipeline.Knowledge;
using EvoR.Pipeline.Methods;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EvoR.Pipeline.Tests.Knowledge;

/// <summary>Overlays are not bases: not listed or counted as bases, listed under their base; bases keep their owner,
/// sharing and job.</summary>
public sealed class KnowledgeOverlayStoreTests : IDisposable
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private KnowledgeBaseStore Store(Action<KnowledgeOptions>? k = null) => TestServices.CreateStore(_dir.Path, null, k);

    [Fact]
    public async Task ListAsync_Overlays_NotListedButUnderTheirBase()
    {
        using var store = Store();
        await store.CreateAsync("a", cancellationToken: Ct);
        await store.CreateAsync("b", cancellationToken: Ct);
        await store.CreateAsync("ov-a2", new KnowledgeBaseSpec { Parent = "a" }, Ct);
        await store.CreateAsync("ov-a1", new KnowledgeBaseSpec { Parent = "a" }, Ct);
        await store.CreateAsync("ov-b", new KnowledgeBaseSpec { Parent = "b" }, Ct);

        Assert.Equal(["a", "b"], (await store.ListAsync(Ct)).Select(b => b.Name));
        Assert.Equal(["ov-a1", "ov-a2"], (await store.ListOverlaysAsync("a", Ct)).Select(b => b.Name));
        Assert.Equal(["ov-a1", "ov-a2", "ov-b"], (await store.ListOverlaysAsync(null, Ct)).Select(b => b.Name));
        Assert.Equal(KnowledgeErrorKind.UnknownBase, (await Assert.ThrowsAsync<KnowledgeException>(() => store.ListOverlaysAsync("zzz", Ct))).Kind);
    }

    [Fact]
    public async Task CreateAsync_MaxBasesReached_OverlaysStillCreatedBasesRefused()
    {
        using var store = Store(k => k.MaxBases = 2);
        await store.CreateAsync("a", cancellationToken: Ct);
        await store.CreateAsync("b", cancellationToken: Ct);
        for (var i = 0; i < 5; i++)
        {
            await store.CreateAsync($"ov-{i}", new KnowledgeBaseSpec { Parent = "a" }, Ct);
        }

        var ex = await Assert.ThrowsAsync<KnowledgeException>(() => store.CreateAsync("c", cancellationToken: Ct));

        Assert.Contains("At most 2", ex.Message, StringComparison.Ordinal);
        Assert.Equal(5, (await store.ListOverlaysAsync("a", Ct)).Count);
    }

    [Fact]
    public async Task CreateAsync_OwnerSharedJob_KeptAcrossReopen()
    {
        using (var store = Store())
        {
            await store.CreateAsync("a", new KnowledgeBaseSpec { Owner = "alpha", Shared = true }, Ct);
            await store.CreateAsync("ov", new KnowledgeBaseSpec { Parent = "a", Owner = "beta", JobId = "gen_1", Shared = true }, Ct);
        }

        using var reopened = Store();
        var a = await reopened.GetAsync("a", Ct);
        var ov = await reopened.GetAsync("ov", Ct);

        Assert.Equal(("alpha", true, (string?)null), (a.Owner, a.Shared, a.JobId));
        // An overlay is never shared: it holds its job's programs.
        Assert.Equal(("beta", false, "gen_1", "a"), (ov.Owner, ov.Shared, ov.JobId, ov.Parent));
    }

    [Fact]
    public async Task GetAsync_OverlayFromBeforeJobIds_JobReadFromDescription()
    {
        using (var store = Store())
        {
            await store.CreateAsync("a", cancellationToken: Ct);
            await store.CreateAsync("ov", new KnowledgeBaseSpec { Parent = "a", Description = "EvoR overlay of job gen_old" }, Ct);
        }

        using var reopened = Store();

        Assert.Equal("gen_old", (await reopened.GetAsync("ov", Ct)).JobId);
        Assert.Null((await reopened.GetAsync("a", Ct)).JobId);
    }

    [Fact]
    public async Task PromoteAsync_KeepsProvenanceAddsOverlayAndJob()
    {
        using var store = Store();
        await store.CreateAsync("a", cancellationToken: Ct);
        await store.CreateAsync("ov", new KnowledgeBaseSpec { Parent = "a", JobId = "gen_7" }, Ct);
        await store.AddDocumentsAsync("ov",
        [
            new KnowledgeDocument { Id = "s", Text = "def f(): return bucket.fetch(k)", Source = SourceKind.CodeSnippet, Provenance = new Provenance { ProblemId = "P1", Round = 3 } },
            new KnowledgeDocument { Id = "t", Text = "a second, different snippet about scan order", Source = SourceKind.CodeSnippet },
        ], Ct);

        await store.PromoteAsync("ov", cancellationToken: Ct);

        Assert.Equal(new Provenance { ProblemId = "P1", Round = 3, JobId = "gen_7", Overlay = "ov" }, (await store.GetDocumentAsync("a", "s", Ct))?.Provenance);
        Assert.Equal(new Provenance { JobId = "gen_7", Overlay = "ov" }, (await store.GetDocumentAsync("a", "t", Ct))?.Provenance);
        Assert.Equal(0, (await store.GetAsync("ov", Ct)).Documents);
    }

    [Fact]
    public async Task EnsureOverlayAsync_JobOfAKey_OverlayOwnedByThatKeyAndNamesItsJob()
    {
        using var store = Store();
        await store.CreateAsync("a", new KnowledgeBaseSpec { Owner = "alpha", Shared = true }, Ct);
        var retriever = new KnowledgeRetriever(store, Options.Create(new EvoROptions()), NullLogger<KnowledgeRetriever>.Instance);

        var name = await retriever.EnsureOverlayAsync(new MethodContext { JobId = "gen_9", Owner = "beta", KnowledgeBase = "a" }, "evor", "p1", Ct);

        var overlay = await store.GetAsync(name!, Ct);
        Assert.Equal(("a", "beta", "gen_9"), (overlay.Parent, overlay.Owner, overlay.JobId));
        Assert.Equal(["a"], (await store.ListAsync(Ct)).Select(b => b.Name));
    }

    [Theory]
    [InlineData("a\0b")]
    [InlineData("tab\there")]
    [InlineData("a//b")]
    [InlineData("/a")]
    [InlineData("a/")]
    [InlineData("a/./b")]
    [InlineData("../a")]
    [InlineData("a\\b")]
    public async Task AddDocumentsAsync_IdThatCannotBeNamedInAUrl_InvalidRequestNamingTheField(string id)
    {
        using var store = Store();
        await store.CreateAsync("a", cancellationToken: Ct);

        var ex = await Assert.ThrowsAsync<KnowledgeException>(() => store.AddDocumentsAsync("a", [new KnowledgeDocument { Id = id, Text = "x" }], Ct));

        Assert.Equal((KnowledgeErrorKind.InvalidRequest, "documents[0].id"), (ex.Kind, ex.Field));
    }

    [Theory]
    [InlineData("guide/install.md")]
    [InlineData("a.b-c_d")]
    [InlineData("ünïcödé / spaced")]
    public void DocumentIds_PrintableSegments_Valid(string id) => Assert.Null(DocumentIds.Problem(id));
}
