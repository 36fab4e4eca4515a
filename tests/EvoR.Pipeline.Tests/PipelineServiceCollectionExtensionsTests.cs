using EvoR.Pipeline.Embeddings;
using EvoR.Pipeline.Knowledge;
using EvoR.Pipeline.Web;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EvoR.Pipeline.Tests;

public sealed class PipelineServiceCollectionExtensionsTests
{
    private static ServiceProvider Build(Dictionary<string, string?> settings) =>
        new ServiceCollection()
            .AddLogging()
            .AddEvoRPipeline(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
            .BuildServiceProvider();

    [Fact]
    public async Task AddEvoRPipeline_Defaults_ResolvesStoreAndSources()
    {
        using var dir = new TempDirectory();
        using var services = Build(new() { ["Knowledge:RootPath"] = dir.Path, ["Embeddings:Enabled"] = "false" });

        var store = services.GetRequiredService<IKnowledgeBaseStore>();
        await store.CreateAsync("kb", cancellationToken: TestContext.Current.CancellationToken);

        Assert.Same(store, services.GetRequiredService<KnowledgeBaseStore>());
        Assert.IsType<NoWebSearchSource>(services.GetRequiredService<IWebSearchSource>());
        Assert.IsType<OnnxSentenceEmbedder>(services.GetRequiredService<ITextEmbedder>());
        Assert.Single(await store.ListAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task AddEvoRKnowledge_WithoutLlmOrSandbox_ValidatesOnBuildAndServesTheStore()
    {
        using var dir = new TempDirectory();
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Knowledge:RootPath"] = dir.Path, ["Embeddings:Enabled"] = "false" })
            .Build();
        var services = new ServiceCollection().AddLogging().AddEvoRKnowledge(configuration).AddEvoRKnowledge(configuration);

        // What a development host does: every registration must resolve with only the knowledge layer present.
        using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        await provider.GetRequiredService<IKnowledgeBaseStore>().CreateAsync("kb", cancellationToken: TestContext.Current.CancellationToken);

        Assert.Single(services, d => d.ServiceType == typeof(KnowledgeBaseStore));
        Assert.Single(services, d => d.ServiceType == typeof(IConfigureOptions<KnowledgeOptions>));
        Assert.DoesNotContain(services, d => d.ServiceType == typeof(EvoR.Pipeline.Methods.IGenerationMethod));
    }

    [Theory]
    [InlineData("Embeddings:Provider", "tpu")]
    [InlineData("Knowledge:MaxChunkTokens", "5")]
    [InlineData("Retrieval:RrfK", "0")]
    [InlineData("WebSearch:Provider", "searxng")]
    [InlineData("WebSearch:Provider", "snapshot")]
    public void AddEvoRPipeline_InvalidOption_FailsValidation(string key, string value)
    {
        using var services = Build(new() { [key] = value });

        Assert.Throws<OptionsValidationException>(() =>
        {
            _ = services.GetRequiredService<IOptions<EmbeddingOptions>>().Value;
            _ = services.GetRequiredService<IOptions<KnowledgeOptions>>().Value;
            _ = services.GetRequiredService<IOptions<EvoR.Pipeline.Retrieval.RetrievalOptions>>().Value;
            _ = services.GetRequiredService<IOptions<WebSearchOptions>>().Value;
        });
    }
}
