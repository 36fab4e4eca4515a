using System.Text.Json;
using EvoR.Api.Tests.Support;

namespace EvoR.Api.Tests.Generations;

/// <summary>Each round's generation prompt: in <c>?view=full</c> (EvoR-Bench's <c>--service</c> scores gold-documentation
/// recall on it), not in the compact view, not in the streamed <c>round</c> events.</summary>
public sealed class GenerationPromptsTests
{
    [Fact]
    public async Task FullView_EvoRTwoRounds_HasEachRoundsPromptAsSentAndTheCompactViewAndEventsDoNot()
    {
        await using var host = await GenerationHost.StartAsync();
        host.Coder.Programs.Enqueue(Fixtures.BadReply);

        var id = await host.Client.CreateAsync(Fixtures.Request("evor", "\"knowledgeBase\": \"docs\", \"maxRounds\": 3"));
        var events = await host.Client.ReadEventsAsync(id);
        using var full = JsonDocument.Parse(await host.Client.GetStringAsync($"/v1/generations/{id}?view=full", Http.Ct));
        var compact = await host.Client.GetJobAsync(id);

        var prompts = full.RootElement.GetProperty("generationPrompts").EnumerateArray().Select(p => p.GetString()!).ToList();
        Assert.Equal(full.RootElement.GetProperty("trace").GetArrayLength(), prompts.Count);
        Assert.Equal(2, prompts.Count);
        // As sent: each is the user message of a program request the model got (the retrieved page included).
        var sent = host.Server.Requests.Select(r => r.Messages[^1].Content).ToList();
        Assert.All(prompts, p => Assert.Contains(p, sent));
        Assert.Contains("Bucket.fetch", prompts[1], StringComparison.Ordinal);
        Assert.All(prompts, p => Assert.DoesNotContain(Fixtures.HiddenMarker, p, StringComparison.Ordinal));
        Assert.False(compact.TryGetProperty("generationPrompts", out _));
        Assert.All(events.Where(e => e.Name == "round"), e => Assert.False(e.Data.TryGetProperty("generationPrompt", out _)));
        Assert.All(full.RootElement.GetProperty("trace").EnumerateArray(), r => Assert.False(r.TryGetProperty("generationPrompt", out _)));
    }
}
