using System.Text.Json;
using System.Text.Json.Nodes;
using EvoR.Pipeline.Methods;

namespace EvoR.Api.Generations;

/// <summary>
/// Each round's generation prompt (<see cref="RoundEvent.GenerationPrompt"/>, never serialised with the round) is kept
/// in the stored round event as one extra member, so that <c>?view=full</c> can show it (a remote bench needs it for
/// gold-documentation recall). The <c>round</c> events streamed to clients leave it out, so they stay as they were.
/// </summary>
internal static class GenerationPrompts
{
    public const string Member = "generationPrompt";

    /// <summary>The round as stored: its JSON plus <see cref="Member"/> when it has a prompt.</summary>
    public static string Store(RoundEvent round)
    {
        ArgumentNullException.ThrowIfNull(round);
        if (round.GenerationPrompt is not { } prompt)
        {
            return GenerationJson.Serialize(round);
        }

        var node = JsonSerializer.SerializeToNode(round, GenerationJson.Options)!.AsObject();
        node[Member] = prompt;
        return node.ToJsonString(GenerationJson.Options);
    }

    /// <summary>A stored round event's data as streamed: without <see cref="Member"/>.</summary>
    public static string Streamed(string data)
    {
        if (!data.Contains($"\"{Member}\"", StringComparison.Ordinal) || JsonNode.Parse(data) is not JsonObject node)
        {
            return data;
        }

        node.Remove(Member);
        return node.ToJsonString(GenerationJson.Options);
    }

    /// <summary>The prompt of every stored round, in order (null for a round without one, or stored before prompts were kept).</summary>
    public static IReadOnlyList<string?> Of(IEnumerable<GenerationEventRecord> events) =>
        [.. events.Where(e => e.Name == GenerationJobRunner.RoundEvent).Select(e => Prompt(e.Data))];

    private static string? Prompt(string data)
    {
        using var document = JsonDocument.Parse(data);
        return document.RootElement.TryGetProperty(Member, out var prompt) && prompt.ValueKind == JsonValueKind.String ? prompt.GetString() : null;
    }
}
