using System.Text;
using EvoR.Llm.Cassettes;
using EvoR.Llm.Chat;
using EvoR.Llm.Usage;
using EvoR.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using Microsoft.SemanticKernel.Connectors.OpenAI;

namespace EvoR.Llm.Tests.Cassettes;

public sealed class CassetteTests
{
    private static readonly OpenAIPromptExecutionSettings Cold = new() { Temperature = 0, MaxTokens = 512 };

    [Fact]
    public async Task Replay_AfterRecordingOpenAiRun_GivesIdenticalResponsesAndUsage()
    {
        var cassette = LlmTestHost.TempFile("run.jsonl");
        await using var server = await ScriptedOpenAiServer.StartAsync(TestContext.Current.CancellationToken);
        server.Reply("print('a')", 20, 5).Reply("print('b')", 21, 6).Reply("print('c')", 22, 7);

        List<(string? Content, object? Usage)> recorded;
        LlmUsageSnapshot recordedUsage;
        using (var services = LlmTestHost.Build(LlmTestHost.OpenAi(server, ("Llm:RecordTo", cassette))))
        {
            recorded = await RunAsync(services);
            recordedUsage = services.GetRequiredService<ILlmUsageTracker>().Total;
        }

        Assert.Equal(3, File.ReadAllLines(cassette).Length);
        using (var replay = LlmTestHost.Build(new Dictionary<string, string?> { ["Llm:Provider"] = "replay", ["Llm:Cassette"] = cassette }))
        {
            LlmTestHost.ValidateOnStart(replay);
            var replayed = await RunAsync(replay);
            var replayedUsage = replay.GetRequiredService<ILlmUsageTracker>().Total;

            Assert.Equal(recorded, replayed);
            Assert.Equal(recordedUsage.Usage, replayedUsage.Usage);
            Assert.Equal(new LlmUsage(63, 18), replayedUsage.Usage);
            Assert.Equal(3, replayedUsage.Calls);
        }

        Assert.Equal(3, server.Requests.Count); // the replay sent nothing
    }

    [Fact]
    public async Task Replay_RecordedStream_StreamsSameTextAndIsLabelledReplay()
    {
        var cassette = LlmTestHost.TempFile("stream.jsonl");
        await using var server = await ScriptedOpenAiServer.StartAsync(TestContext.Current.CancellationToken);
        server.Reply("for i in range(3):\n    print(i)\n", 9, 8);
        using (var services = LlmTestHost.Build(LlmTestHost.OpenAi(server, ("Llm:RecordTo", cassette))))
        {
            Assert.Equal("for i in range(3):\n    print(i)\n", await StreamAsync(services, "loop"));
        }

        using var replay = LlmTestHost.Build(new Dictionary<string, string?> { ["Llm:Provider"] = "replay", ["Llm:Cassette"] = cassette });
        var chat = replay.GetRequiredService<IChatCompletionService>();
        var replies = await chat.GetChatMessageContentsAsync(LlmTestHost.Prompt("loop"), cancellationToken: TestContext.Current.CancellationToken);

        var reply = Assert.Single(replies);
        Assert.Equal("for i in range(3):\n    print(i)\n", reply.Content);
        Assert.Equal(LlmSources.Replay, reply.Source());
        Assert.Equal(new LlmUsage(9, 8), reply.Meta(LlmMetadata.Usage));
        Assert.Equal("for i in range(3):\n    print(i)\n", await StreamAsync(replay, "loop"));
    }

    [Fact]
    public async Task Replay_UnknownRequest_ThrowsCassetteMissNamingHashAndPreview()
    {
        var cassette = LlmTestHost.TempFile("miss.jsonl");
        var scripted = new ScriptedChatCompletionService("x = 1");
        using (var services = LlmTestHost.Build(new Dictionary<string, string?> { ["Llm:RecordTo"] = cassette },
            s => s.AddEvoRLlmProvider("scripted", "m1", _ => scripted)))
        {
            await services.AskAsync("recorded question", Cold);
        }

        using var replay = LlmTestHost.Build(new Dictionary<string, string?> { ["Llm:Provider"] = "replay", ["Llm:Cassette"] = cassette });
        var question = "an unrecorded question\nthat goes on " + new string('z', 400);

        var e = await Assert.ThrowsAsync<CassetteMissException>(() => replay.AskAsync(question, Cold));

        Assert.Equal(RequestHasher.Hash("m1", LlmTestHost.Prompt(question), Cold), e.RequestHash);
        Assert.Contains(e.RequestHash, e.Message, StringComparison.Ordinal);
        Assert.Contains("an unrecorded question that goes on zzz", e.Message, StringComparison.Ordinal);
        Assert.True(e.LastUserMessagePreview.Length <= CassetteMissException.PreviewLength + 1);
        Assert.Equal(1, replay.GetRequiredService<ILlmUsageTracker>().Total.Failures);

        // Settings are part of the request: the recorded question at another temperature is not the recorded request.
        await Assert.ThrowsAsync<CassetteMissException>(() => replay.AskAsync("recorded question", new OpenAIPromptExecutionSettings { Temperature = 0.7, MaxTokens = 512 }));
        Assert.Equal("x = 1", (await replay.AskAsync("recorded question", Cold)).Content);
    }

    [Fact]
    public async Task Record_ScriptedProvider_KeepsOriginalSourceInCassette()
    {
        var cassette = LlmTestHost.TempFile("scripted.jsonl");
        using var services = LlmTestHost.Build(new Dictionary<string, string?> { ["Llm:RecordTo"] = cassette },
            s => s.AddEvoRLlmProvider("scripted", "m1", _ => new ScriptedChatCompletionService("y = 2")));

        await services.AskAsync("q");

        var entry = Assert.Single(CassetteJson.ReadAll(cassette));
        Assert.Equal(("scripted", "m1", "scripted", "y = 2"), (entry.Provider, entry.Model, entry.Source, entry.Responses[0].Content));
        Assert.Equal(["system", "user"], entry.Messages.Select(m => m.Role));
        Assert.Equal(RequestHasher.Hash("m1", LlmTestHost.Prompt("q"), null), entry.Hash);
    }

    [Fact]
    public async Task Replay_SameRequestRecordedTwice_ServesInRecordedOrderThenRepeatsLast()
    {
        var history = LlmTestHost.Prompt("same");
        var hash = RequestHasher.Hash("m", history, null);
        CassetteEntry Entry(string content) => new()
        {
            Hash = hash,
            Provider = "openai",
            Model = "m",
            Messages = [],
            Responses = [new CassetteMessage("assistant", content)],
        };
        var replay = new ReplayChatCompletionService([Entry("first"), Entry("second")]);

        var answers = new List<string?>();
        for (var i = 0; i < 3; i++)
        {
            answers.Add((await replay.GetChatMessageContentsAsync(history, cancellationToken: TestContext.Current.CancellationToken))[0].Content);
        }

        Assert.Equal(["first", "second", "second"], answers);
    }

    [Fact]
    public void ReadAll_MalformedLine_FailsNamingLine()
    {
        var cassette = LlmTestHost.TempFile("bad.jsonl");
        Directory.CreateDirectory(Path.GetDirectoryName(cassette)!);
        File.WriteAllText(cassette, "\n{not json}\n");

        var e = Assert.Throws<InvalidDataException>(() => CassetteJson.ReadAll(cassette));

        Assert.Contains("line 2", e.Message, StringComparison.Ordinal);
    }

    private static async Task<List<(string? Content, object? Usage)>> RunAsync(IServiceProvider services)
    {
        var results = new List<(string?, object?)>();
        foreach (var (question, settings) in new (string, PromptExecutionSettings?)[]
        {
            ("Write a.", Cold),
            ("Write b.", new OpenAIPromptExecutionSettings { Temperature = 0.8, Seed = 7 }),
            ("Write c.", new PromptExecutionSettings { ExtensionData = new Dictionary<string, object> { ["temperature"] = 0.3 } }),
        })
        {
            var reply = await services.AskAsync(question, settings);
            results.Add((reply.Content, reply.Meta(LlmMetadata.Usage)));
        }

        return results;
    }

    private static async Task<string> StreamAsync(IServiceProvider services, string question)
    {
        var text = new StringBuilder();
        var chat = services.GetRequiredService<IChatCompletionService>();
        await foreach (var chunk in chat.GetStreamingChatMessageContentsAsync(LlmTestHost.Prompt(question), cancellationToken: TestContext.Current.CancellationToken))
        {
            text.Append(chunk.Content);
        }

        return text.ToString();
    }
}
