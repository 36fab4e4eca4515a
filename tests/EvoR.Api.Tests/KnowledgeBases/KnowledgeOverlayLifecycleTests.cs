using System.Net;
using EvoR.Api.Generations;
using EvoR.Api.KnowledgeBases;
using EvoR.Api.Tests.Support;
using EvoR.Pipeline.Generation;
using EvoR.Pipeline.Knowledge;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EvoR.Api.Tests.KnowledgeBases;

/// <summary>Overlays are not bases: listed under their base, not counted by Knowledge:MaxBases, removed after their
/// job ends, promotable with provenance; a base can be deleted with its overlays.</summary>
public sealed class KnowledgeOverlayLifecycleTests : IDisposable
{
    private readonly ApiFactory _factory = new(KnowledgeBaseClient.Bm25Only(new() { ["Knowledge:MaxBases"] = "1" }));
    private readonly HttpClient _client;

    public KnowledgeOverlayLifecycleTests() => _client = _factory.CreateClient();

    public void Dispose()
    {
        _client.Dispose();
        _factory.Dispose();
    }

    private IKnowledgeBaseStore Store => _factory.Services.GetRequiredService<IKnowledgeBaseStore>();

    private async Task BaseWithOverlaysAsync(params string[] overlays)
    {
        Assert.Equal(HttpStatusCode.Created, (await _client.CreateBaseAsync("docs")).StatusCode);
        foreach (var overlay in overlays)
        {
            await Store.CreateAsync(overlay, new KnowledgeBaseSpec { Parent = "docs", JobId = "gen_" + overlay, Description = $"EvoR overlay of job gen_{overlay}" }, Http.Ct);
        }
    }

    [Fact]
    public async Task Overlays_NotListedNorCountedAsBases_ListedUnderTheirBase()
    {
        await BaseWithOverlaysAsync("ov-1", "ov-2", "ov-3");

        var bases = await (await _client.GetAsync("/v1/knowledge-bases", Http.Ct)).ReadJsonAsync();
        var overlays = await (await _client.GetAsync("/v1/knowledge-bases/docs/overlays", Http.Ct)).ReadJsonAsync();

        Assert.Equal(["docs"], bases.GetProperty("knowledgeBases").EnumerateArray().Select(b => b.GetProperty("name").GetString()));
        Assert.Equal(["ov-1", "ov-2", "ov-3"], overlays.GetProperty("overlays").EnumerateArray().Select(o => o.GetProperty("name").GetString()));
        Assert.All(overlays.GetProperty("overlays").EnumerateArray(), o => Assert.Equal("docs", o.GetProperty("parent").GetString()));
        Assert.Equal("gen_ov-1", overlays.GetProperty("overlays")[0].GetProperty("jobId").GetString());
        // MaxBases is 1 and the base exists: a new base is refused, a new overlay is not.
        await (await _client.CreateBaseAsync("second")).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-request");
        await Store.CreateAsync("ov-4", new KnowledgeBaseSpec { Parent = "docs" }, Http.Ct);
    }

    [Fact]
    public async Task DeleteBase_WithOverlays_204ThenBaseAndOverlays404()
    {
        await BaseWithOverlaysAsync("ov-1", "ov-2");
        Assert.Equal(HttpStatusCode.OK, (await _client.AddDocumentsAsync("docs", KnowledgeBaseClient.ThreeDocuments)).StatusCode);

        using var deleted = await _client.DeleteAsync("/v1/knowledge-bases/docs", Http.Ct);

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await (await _client.GetAsync("/v1/knowledge-bases/docs", Http.Ct)).AssertProblemAsync(HttpStatusCode.NotFound, "unknown-knowledge-base");
        await (await _client.GetAsync("/v1/knowledge-bases/ov-1", Http.Ct)).AssertProblemAsync(HttpStatusCode.NotFound, "unknown-knowledge-base");
        await (await _client.SearchAsync("docs", "q=numpy&mode=bm25")).AssertProblemAsync(HttpStatusCode.NotFound, "unknown-knowledge-base");
        Assert.DoesNotContain(Directory.EnumerateDirectories(_factory.KnowledgeRoot), d => Path.GetFileName(d) is "docs" or "ov-1" or "ov-2");
        // The name is free again.
        Assert.Equal(HttpStatusCode.Created, (await _client.CreateBaseAsync("docs")).StatusCode);
    }

    [Fact]
    public async Task DeleteOverlay_204ThenGoneFromItsBase()
    {
        await BaseWithOverlaysAsync("ov-1");

        using var deleted = await _client.DeleteAsync("/v1/knowledge-bases/docs/overlays/ov-1", Http.Ct);
        var overlays = await (await _client.GetAsync("/v1/knowledge-bases/docs/overlays", Http.Ct)).ReadJsonAsync();

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Empty(overlays.GetProperty("overlays").EnumerateArray());
        await (await _client.GetAsync("/v1/knowledge-bases/docs/overlays/ov-1", Http.Ct)).AssertProblemAsync(HttpStatusCode.NotFound, "unknown-knowledge-base");
    }

    [Fact]
    public async Task Overlay_UnderAnotherBase_404()
    {
        await BaseWithOverlaysAsync("ov-1");

        using var response = await _client.GetAsync("/v1/knowledge-bases/ov-1/overlays/ov-1", Http.Ct);

        await response.AssertProblemAsync(HttpStatusCode.NotFound, "unknown-knowledge-base");
    }

    [Fact]
    public async Task Promote_MovesDocumentsIntoBaseWithProvenance()
    {
        await BaseWithOverlaysAsync("ov-1");
        await Store.AddDocumentsAsync("ov-1",
        [
            new KnowledgeDocument { Id = "snippet-1", Text = "def get_value(bucket, key): return bucket.fetch(key)", Source = SourceKind.CodeSnippet, Provenance = new Provenance { Round = 2 } },
            new KnowledgeDocument { Id = "feedback-1", Text = "AttributeError: Bucket has no attribute get", Source = SourceKind.ExecutionFeedback },
        ], Http.Ct);

        using var promoted = await _client.PostAsync("/v1/knowledge-bases/docs/overlays/ov-1:promote", Http.Json("""{ "documentIds": ["snippet-1"] }"""), Http.Ct);

        var result = await promoted.ReadJsonAsync();
        Assert.Equal(HttpStatusCode.OK, promoted.StatusCode);
        Assert.Equal(["snippet-1"], result.GetProperty("writtenIds").EnumerateArray().Select(i => i.GetString()));
        var stored = await Store.GetDocumentAsync("docs", "snippet-1", Http.Ct);
        Assert.Equal(("ov-1", "gen_ov-1", 2), (stored?.Provenance?.Overlay, stored?.Provenance?.JobId, stored?.Provenance?.Round));
        var hit = (await (await _client.SearchAsync("docs", "q=bucket.fetch&mode=bm25")).ReadJsonAsync()).GetProperty("hits")[0];
        Assert.Equal(("snippet-1", "ov-1", "gen_ov-1"), (hit.GetProperty("id").GetString(), hit.GetProperty("promotedFrom").GetString(), hit.GetProperty("jobId").GetString()));
        Assert.Null(await Store.GetDocumentAsync("ov-1", "snippet-1", Http.Ct));
        Assert.NotNull(await Store.GetDocumentAsync("ov-1", "feedback-1", Http.Ct));
    }

    [Fact]
    public async Task Promote_NoBody_PromotesAll()
    {
        await BaseWithOverlaysAsync("ov-1");
        await Store.AddDocumentsAsync("ov-1", [new KnowledgeDocument { Id = "s", Text = "def f(): return 1", Source = SourceKind.CodeSnippet }], Http.Ct);

        using var promoted = await _client.PostAsync("/v1/knowledge-bases/docs/overlays/ov-1:promote", null, Http.Ct);

        Assert.Equal(HttpStatusCode.OK, promoted.StatusCode);
        Assert.Equal(1, (await Store.GetAsync("docs", Http.Ct)).Documents);
        Assert.Equal(0, (await Store.GetAsync("ov-1", Http.Ct)).Documents);
    }

    [Fact]
    public async Task Sweep_RemovesOverlaysPastRetentionAfterTheirJobEnded_KeepsRunningAndRecent()
    {
        await BaseWithOverlaysAsync("ov-running", "ov-ended", "ov-orphan");
        var jobs = _factory.Services.GetRequiredService<IGenerationStore>();
        await jobs.InsertAsync(Job("gen_ov-running"), Http.Ct);
        await jobs.TryStartAsync("gen_ov-running", Http.Ct);
        await jobs.InsertAsync(Job("gen_ov-ended"), Http.Ct);
        await jobs.TryStartAsync("gen_ov-ended", Http.Ct);
        await jobs.TryFinishAsync("gen_ov-ended", new GenerationOutcome(GenerationStatus.Succeeded, null, null, new GenerationUsage(0, 0, 0), null), [GenerationStatus.Running], "done", Http.Ct);
        // ov-orphan's job is unknown to this service: its retention runs from the overlay's creation.
        var retention = TimeSpan.FromHours(1);
        var now = TimeProvider.System.GetUtcNow();

        var early = await Sweeper(retention, now + TimeSpan.FromMinutes(30)).SweepAsync(Http.Ct);
        var late = await Sweeper(retention, now + retention + TimeSpan.FromMinutes(1)).SweepAsync(Http.Ct);

        Assert.Empty(early);
        Assert.Equal(["ov-ended", "ov-orphan"], late.Order(StringComparer.Ordinal));
        Assert.Equal(["ov-running"], (await Store.ListOverlaysAsync("docs", Http.Ct)).Select(o => o.Name));
        Assert.Contains(_factory.Logs.GetSnapshot(), r => r.Id.Id == 1153);
    }

    private OverlaySweeper Sweeper(TimeSpan retention, DateTimeOffset now) => new(
        Store, _factory.Services.GetRequiredService<IGenerationStore>(), Options.Create(new KnowledgeOptions { OverlayRetention = retention }),
        new FixedTime(now), _factory.Services.GetRequiredService<Microsoft.Extensions.Logging.ILogger<OverlaySweeper>>());

    private static GenerationJobRecord Job(string id) => new()
    {
        Id = id,
        Status = GenerationStatus.Queued,
        CreatedAt = TimeProvider.System.GetUtcNow(),
        Spec = new GenerationJobSpec
        {
            Description = "Write f.",
            Language = "python",
            Style = ProgramStyle.Function,
            Method = "evor",
            KnowledgeBase = "docs",
            TimeBudgetSeconds = 60,
            TokenBudget = 10_000,
        },
    };

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
