using EvoR.Pipeline.Knowledge;
using EvoR.Pipeline.Methods;

namespace EvoR.Pipeline.Tests.Methods;

/// <summary>Methods are data: the catalog's names, and the ablations doing what their names say.</summary>
public sealed class MethodCatalogTests
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    [Fact]
    public void All_NamesAreUniqueLowerCaseAndHoldTheMethodsAndAblations()
    {
        var names = MethodCatalog.All.Select(m => m.Name).ToList();

        Assert.Equal(names.Count, names.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.All(names, n => Assert.Equal(n.ToLowerInvariant(), n));
        Assert.Equal(["evor", "evor+reflexion", "vanilla", "docprompting", "reflexion",
            "evor-no-query-evolution", "evor-no-knowledge-evolution", "evor-no-evolution"], names.Take(8));
        // Every non-empty subset of the four sources.
        Assert.Equal(15, MethodCatalog.All.Count(m => m.Group == "knowledge-soup"));
        Assert.Contains("evor-sources-docs+exec", names);
        Assert.Contains("evor-sources-docs+web+exec+code", names);
    }

    [Theory]
    [InlineData(new[] { SourceKind.ExecutionFeedback, SourceKind.Documentation }, "evor-sources-docs+exec")]
    [InlineData(new[] { SourceKind.CodeSnippet }, "evor-sources-code")]
    [InlineData(new[] { SourceKind.CodeSnippet, SourceKind.Web, SourceKind.Documentation }, "evor-sources-docs+web+code")]
    public void SourcesMethodName_AnyOrder_IsCanonicalAndInTheCatalog(SourceKind[] sources, string expected)
    {
        Assert.Equal(expected, MethodCatalog.SourcesMethodName(sources));
        var definition = MethodCatalog.Find(expected);
        Assert.NotNull(definition);
        Assert.Equal(sources.ToHashSet(), definition.Features.ForcedSources!.ToHashSet());
    }

    [Fact]
    public void Find_Features_AblationsDifferFromEvoRInTheirEvolutionOnly()
    {
        var evor = MethodCatalog.Find("EVOR")!.Features;

        Assert.Equal(evor with { EvolveQuery = false }, MethodCatalog.Find(MethodCatalog.EvoRNoQueryEvolution)!.Features);
        Assert.Equal(evor with { EvolveKnowledge = false }, MethodCatalog.Find(MethodCatalog.EvoRNoKnowledgeEvolution)!.Features);
        Assert.Equal(evor with { EvolveQuery = false, EvolveKnowledge = false }, MethodCatalog.Find(MethodCatalog.EvoRNoEvolution)!.Features);
        Assert.Null(MethodCatalog.Find("evor-sources-"));
    }

    [Theory]
    [InlineData(MethodCatalog.EvoR, true, true)]
    [InlineData(MethodCatalog.EvoRNoQueryEvolution, false, true)]
    [InlineData(MethodCatalog.EvoRNoKnowledgeEvolution, true, false)]
    [InlineData(MethodCatalog.EvoRNoEvolution, false, false)]
    public async Task RunAsync_EvolutionAblation_RewritesAndEvolvesOnlyWhatItKeeps(string method, bool rewrites, bool evolves)
    {
        var llm = new ScriptedLlm();
        llm.Programs.Enqueue(Fixtures.BadReply);
        var chat = llm.AsService();
        await using var host = await MethodTestHost.StartAsync(chat);

        var scored = await host.Runner.RunAsync(host.Method(method), Problems.GetValue(), new MethodContext { JobId = "ablation", KnowledgeBase = "docs" }, Ct);

        Assert.True(scored.Score.Passed);
        Assert.Equal(2, scored.Result.Rounds.Count);
        var rewritePrompts = chat.Prompts.Count(p => p[^1].Content!.Contains("Answer with the query only", StringComparison.Ordinal));
        Assert.Equal(rewrites ? 1 : 0, rewritePrompts);
        Assert.Equal(rewrites ? llm.DefaultRewrite : Problems.GetValue().Description, scored.Result.Rounds[1].Query);
        Assert.Equal(evolves, scored.Result.Overlay is not null);
        Assert.Equal(evolves, scored.Result.Rounds[0].Evolved is not null);
    }

    [Theory]
    [InlineData("evor-sources-web", SourceKind.Web)]
    [InlineData("evor-sources-docs", SourceKind.Documentation)]
    public async Task RunAsync_SourcesSubset_RetrievesOnlyThoseSources(string method, SourceKind only)
    {
        var chat = new ScriptedLlm().AsService();
        await using var host = await MethodTestHost.StartAsync(chat);

        var scored = await host.Runner.RunAsync(host.Method(method), Problems.GetValue(), new MethodContext { KnowledgeBase = "docs" }, Ct);

        var retrieved = scored.Result.Rounds.SelectMany(r => r.Retrieved).ToList();
        Assert.NotEmpty(retrieved);
        Assert.All(retrieved, d => Assert.Equal(only, d.Source));
    }

    [Fact]
    public async Task Methods_EveryCatalogEntry_IsRegisteredOnTheRunner()
    {
        await using var host = await MethodTestHost.StartAsync(new ScriptedLlm().AsService());

        Assert.Equal(MethodCatalog.All.Select(m => m.Name).Order(StringComparer.Ordinal), host.Runner.Methods.Keys.Order(StringComparer.Ordinal));
    }
}
