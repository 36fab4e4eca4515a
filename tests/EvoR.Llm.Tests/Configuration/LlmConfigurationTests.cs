using EvoR.Llm.Cassettes;
using EvoR.Llm.Chat;
using EvoR.Llm.Configuration;
using EvoR.Llm.Usage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.SemanticKernel.ChatCompletion;
using Microsoft.SemanticKernel.Connectors.AzureOpenAI;
using Microsoft.SemanticKernel.Connectors.OpenAI;

namespace EvoR.Llm.Tests.Configuration;

public sealed class LlmConfigurationTests
{
    public static TheoryData<string, string, string, string> AvailabilityCases => new()
    {
        // settings (key=value;…), provider, missing settings (comma-separated), endpoint
        { "", "openai", "Llm:Model,Llm:ApiKey", "https://api.openai.com/v1" },
        { "Llm:Provider=openai;Llm:Endpoint=http://localhost:11434/v1;Llm:Model=qwen2.5-coder:7b", "openai", "", "http://localhost:11434/v1" },
        { "Llm:Model=gpt-4o-mini;Llm:ApiKey=sk-test", "openai", "", "https://api.openai.com/v1" },
        { "Llm:Provider=OpenAI;Llm:Endpoint=http://127.0.0.1:8000/v1", "openai", "Llm:Model", "http://127.0.0.1:8000/v1" },
        { "Llm:Provider=azure;Llm:Model=gpt4o-deployment", "azure", "Llm:Endpoint,Llm:ApiKey", "" },
        { "Llm:Provider=azure;Llm:Endpoint=https://x.openai.azure.com/;Llm:Model=d;Llm:ApiKey=k", "azure", "", "https://x.openai.azure.com/" },
        { "Llm:Provider=replay", "replay", "Llm:Cassette", "" },
    };

    [Theory]
    [MemberData(nameof(AvailabilityCases))]
    public void Availability_FromConfiguration_SelectsProviderAndNamesMissingSettings(string settings, string provider, string missing, string endpoint)
    {
        using var services = LlmTestHost.Build(Parse(settings));

        var availability = services.GetRequiredService<ILlmAvailability>();

        Assert.Equal(provider, availability.Provider);
        Assert.Equal(missing.Split(',', StringSplitOptions.RemoveEmptyEntries), availability.MissingSettings);
        Assert.Equal(missing.Length == 0, availability.IsConfigured);
        Assert.Equal(endpoint, availability.Endpoint?.ToString() ?? string.Empty);
    }

    [Fact]
    public async Task GetChatMessageContentsAsync_NotConfigured_ThrowsLlmNotConfiguredExceptionNamingSettings()
    {
        using var services = LlmTestHost.Build(Parse("Llm:Endpoint=http://127.0.0.1:9/v1"));
        LlmTestHost.ValidateOnStart(services); // an absent model is allowed at start
        var tracker = services.GetRequiredService<ILlmUsageTracker>();

        var e = await Assert.ThrowsAsync<LlmNotConfiguredException>(() => services.AskAsync("write add(a, b)"));

        Assert.Equal(["Llm:Model"], e.MissingSettings);
        Assert.Contains("Llm:Model", e.Message, StringComparison.Ordinal);
        Assert.Contains("Llm__Model", e.Message, StringComparison.Ordinal);
        Assert.Equal(1, tracker.Total.Failures);
        Assert.Equal(0, tracker.Total.Calls);
    }

    [Fact]
    public async Task GetStreamingChatMessageContentsAsync_NotConfigured_ThrowsLlmNotConfiguredException()
    {
        using var services = LlmTestHost.Build(Parse("Llm:Provider=azure"));
        var chat = services.GetRequiredService<IChatCompletionService>();

        var e = await Assert.ThrowsAsync<LlmNotConfiguredException>(async () =>
        {
            await foreach (var _ in chat.GetStreamingChatMessageContentsAsync(LlmTestHost.Prompt("hi"), cancellationToken: TestContext.Current.CancellationToken))
            {
            }
        });

        Assert.Equal(["Llm:Endpoint", "Llm:Model", "Llm:ApiKey"], e.MissingSettings);
    }

    [Theory]
    [InlineData("Llm:Provider=bard", "Llm:Provider")]
    [InlineData("Llm:Endpoint=localhost:11434", "Llm:Endpoint")]
    [InlineData("Llm:Endpoint=ftp://example.invalid/v1", "Llm:Endpoint")]
    [InlineData("Llm:Provider=replay;Llm:Cassette=/nonexistent/evor/cassette.jsonl", "Llm:Cassette")]
    [InlineData("Llm:Resilience:MaxRetryAttempts=99", "MaxRetryAttempts")]
    [InlineData("Llm:Resilience:MaxConcurrency=0", "MaxConcurrency")]
    [InlineData("Llm:Resilience:AttemptTimeoutMs=5000;Llm:Resilience:TotalTimeoutMs=1000", "TotalTimeoutMs")]
    public void ValidateOnStart_InvalidSetting_FailsNamingIt(string settings, string named)
    {
        using var services = LlmTestHost.Build(Parse(settings));

        var e = Assert.Throws<OptionsValidationException>(() => LlmTestHost.ValidateOnStart(services));

        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Provider_OpenAiConfiguration_IsSemanticKernelOpenAIConnector()
    {
        using var services = LlmTestHost.Build(Parse("Llm:Endpoint=http://127.0.0.1:9/v1;Llm:Model=m"));

        var provider = services.GetRequiredService<LlmChatCompletionService>().Provider;

        Assert.Equal("openai", provider.Name);
        Assert.Equal("m", provider.Model);
        Assert.IsType<OpenAIChatCompletionService>(provider.Service);
        Assert.Same(services.GetRequiredService<LlmChatCompletionService>(), services.GetRequiredService<IChatCompletionService>());
        await Task.CompletedTask;
    }

    [Fact]
    public void Provider_AzureConfiguration_IsSemanticKernelAzureOpenAIConnector()
    {
        using var services = LlmTestHost.Build(Parse("Llm:Provider=azure;Llm:Endpoint=https://x.openai.azure.com/;Llm:Model=dep;Llm:ApiKey=k"));

        var provider = services.GetRequiredService<LlmChatCompletionService>().Provider;

        Assert.Equal("azure", provider.Name);
        Assert.IsType<AzureOpenAIChatCompletionService>(provider.Service);
    }

    [Fact]
    public void Provider_ReplayConfiguration_IsReplayServiceWithCassetteModel()
    {
        var cassette = LlmTestHost.TempFile("one.jsonl");
        Directory.CreateDirectory(Path.GetDirectoryName(cassette)!);
        File.WriteAllText(cassette, """{"hash":"h","provider":"openai","model":"recorded-model","messages":[],"responses":[{"role":"assistant","content":"x"}]}""" + "\n");
        using var services = LlmTestHost.Build(Parse($"Llm:Provider=replay;Llm:Cassette={cassette}"));
        LlmTestHost.ValidateOnStart(services);

        var provider = services.GetRequiredService<LlmChatCompletionService>().Provider;

        var replay = Assert.IsType<ReplayChatCompletionService>(provider.Service);
        Assert.Equal("recorded-model", provider.Model);
        Assert.Equal(1, replay.Count);
    }

    [Fact]
    public async Task StartAsync_MalformedReplayCassette_FailsAtStartNamingLine()
    {
        var cassette = LlmTestHost.TempFile("broken.jsonl");
        Directory.CreateDirectory(Path.GetDirectoryName(cassette)!);
        File.WriteAllText(cassette, "{\"hash\": 42\n");
        using var services = LlmTestHost.Build(Parse($"Llm:Provider=replay;Llm:Cassette={cassette}"));
        LlmTestHost.ValidateOnStart(services);

        var e = await Assert.ThrowsAsync<InvalidDataException>(() => StartAllAsync(services));

        Assert.Contains("line 1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_NotConfigured_Starts()
    {
        using var services = LlmTestHost.Build(Parse(""));

        await StartAllAsync(services);

        Assert.False(services.GetRequiredService<ILlmAvailability>().IsConfigured);
    }

    private static async Task StartAllAsync(IServiceProvider services)
    {
        foreach (var hosted in services.GetServices<Microsoft.Extensions.Hosting.IHostedService>())
        {
            await hosted.StartAsync(TestContext.Current.CancellationToken);
        }
    }

    internal static Dictionary<string, string?> Parse(string settings) => settings
        .Split(';', StringSplitOptions.RemoveEmptyEntries)
        .Select(pair => pair.Split('=', 2))
        .ToDictionary(kv => kv[0], kv => (string?)kv[1]);
}
