using System.Diagnostics.Metrics;
using System.Text;
using EvoR.Llm.Chat;
using EvoR.Llm.Usage;
using EvoR.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using Microsoft.SemanticKernel.Connectors.OpenAI;

namespace EvoR.Llm.Tests.Chat;

/// <summary>The real Semantic Kernel connectors against the scripted OpenAI-compatible server on loopback.</summary>
public sealed class OpenAiConnectorTests
{
    [Fact]
    public async Task GetChatMessageContentsAsync_OpenAiConnector_ReturnsScriptedTextAndRecordsUsage()
    {
        await using var server = await ScriptedOpenAiServer.StartAsync(TestContext.Current.CancellationToken);
        server.Reply("def add(a, b):\n    return a + b\n", promptTokens: 42, completionTokens: 17);
        using var services = LlmTestHost.Build(LlmTestHost.OpenAi(server, ("Llm:ApiKey", "sk-local")));
        var tracker = services.GetRequiredService<ILlmUsageTracker>();
        using var tokensIn = new MeasurementCollector(services.GetRequiredService<IMeterFactory>(), "evor.llm.tokens.input");
        using var tokensOut = new MeasurementCollector(services.GetRequiredService<IMeterFactory>(), "evor.llm.tokens.output");

        ChatMessageContent reply;
        LlmUsageSnapshot job;
        using (var scope = tracker.BeginScope("job-1"))
        {
            reply = await services.AskAsync("Write add(a, b).", new OpenAIPromptExecutionSettings { Temperature = 0.2, MaxTokens = 256 });
            job = scope.Snapshot();
        }

        Assert.Equal("def add(a, b):\n    return a + b\n", reply.Content);
        Assert.Equal(LlmSources.Scripted, reply.Source()); // the server's fingerprint marks it: not model output
        Assert.False(LlmMetadata.IsGenerated(reply));
        Assert.Equal(new LlmUsage(42, 17), reply.Meta(LlmMetadata.Usage));
        Assert.Matches("^[0-9a-f]{64}$", (string)reply.Meta(LlmMetadata.RequestHash)!);
        Assert.Equal(new LlmUsage(42, 17), job.Usage);
        Assert.Equal(1, job.Calls);
        Assert.Equal(42, tokensIn.Sum);
        Assert.Equal(17, tokensOut.Sum);

        var request = Assert.Single(server.Requests);
        Assert.Equal("/v1/chat/completions", request.Path);
        Assert.Equal("test-model", request.Model);
        Assert.Equal([("system", "You write Python."), ("user", "Write add(a, b).")], request.Messages);
        Assert.Equal("Bearer sk-local", request.Authorization);
        Assert.Equal(0.2, request.Body.GetProperty("temperature").GetDouble(), 3);
    }

    [Fact]
    public async Task GetStreamingChatMessageContentsAsync_OpenAiConnector_StreamsScriptedTextWithUsage()
    {
        await using var server = await ScriptedOpenAiServer.StartAsync(TestContext.Current.CancellationToken);
        const string Code = "import numpy as np\nprint(np.arange(3).sum())\n";
        server.Reply(Code, promptTokens: 30, completionTokens: 12);
        using var services = LlmTestHost.Build(LlmTestHost.OpenAi(server));
        var chat = services.GetRequiredService<IChatCompletionService>();
        var tracker = services.GetRequiredService<ILlmUsageTracker>();

        var text = new StringBuilder();
        var chunks = 0;
        await foreach (var chunk in chat.GetStreamingChatMessageContentsAsync(LlmTestHost.Prompt("sum"), cancellationToken: TestContext.Current.CancellationToken))
        {
            chunks++;
            text.Append(chunk.Content);
            Assert.Equal(LlmSources.Scripted, chunk.Source());
        }

        Assert.Equal(Code, text.ToString());
        Assert.True(chunks > 2, $"expected several chunks, got {chunks}");
        Assert.True(Assert.Single(server.Requests).Stream);
        Assert.Equal(new LlmUsage(30, 12), tracker.Total.Usage);
    }

    [Fact]
    public async Task GetChatMessageContentsAsync_AzureConnector_CallsDeploymentAndReturnsScriptedText()
    {
        await using var server = await ScriptedOpenAiServer.StartAsync(TestContext.Current.CancellationToken);
        server.Reply("print('azure')", promptTokens: 5, completionTokens: 3);
        using var services = LlmTestHost.Build(new Dictionary<string, string?>
        {
            ["Llm:Provider"] = "azure",
            ["Llm:Endpoint"] = server.Root.ToString(),
            ["Llm:Model"] = "my-deployment",
            ["Llm:ApiKey"] = "azure-key",
            ["Llm:Resilience:RetryBaseDelayMs"] = "5",
        });

        var reply = await services.AskAsync("hello");

        Assert.Equal("print('azure')", reply.Content);
        Assert.Equal(new LlmUsage(5, 3), reply.Meta(LlmMetadata.Usage));
        var request = Assert.Single(server.Requests);
        Assert.Equal("/openai/deployments/my-deployment/chat/completions", request.Path);
        Assert.Equal("azure-key", request.Authorization);
    }

    [Fact]
    public async Task GetChatMessageContentsAsync_InProcessScriptedService_LabelsScriptedAndKeepsPrompts()
    {
        var scripted = new ScriptedChatCompletionService("print(1)").Enqueue("print(2)", new LlmUsage(3, 4));
        using var services = LlmTestHost.Build(new Dictionary<string, string?>(), s => s.AddEvoRLlmProvider("scripted", "scripted-model", _ => scripted));

        var first = await services.AskAsync("one");
        var second = await services.AskAsync("two");

        Assert.Equal(["print(1)", "print(2)"], [first.Content, second.Content]);
        Assert.All([first, second], r => Assert.Equal(LlmSources.Scripted, r.Source()));
        Assert.Equal(new LlmUsage(3, 4), second.Meta(LlmMetadata.Usage));
        Assert.Equal(["one", "two"], scripted.Prompts.Select(p => p[^1].Content));
        await Assert.ThrowsAsync<InvalidOperationException>(() => services.AskAsync("three"));
        Assert.Equal(1, services.GetRequiredService<ILlmUsageTracker>().Total.Failures);
    }
}
