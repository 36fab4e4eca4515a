using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using EvoR.Llm.Usage;

namespace EvoR.Llm.Cassettes;

/// <summary>One recorded exchange: one line of a JSON Lines cassette.</summary>
public sealed record CassetteEntry
{
    /// <summary>Format version of the line. Currently 1.</summary>
    public int Version { get; init; } = 1;

    /// <summary>The request hash (<see cref="RequestHasher"/>), the key replay looks up.</summary>
    public required string Hash { get; init; }

    /// <summary>The provider that answered when recording.</summary>
    public required string Provider { get; init; }

    /// <summary>The model the request was hashed with.</summary>
    public required string Model { get; init; }

    /// <summary>The request's messages, as hashed.</summary>
    public required IReadOnlyList<CassetteMessage> Messages { get; init; }

    /// <summary>The request's relevant settings, as hashed (canonical, keys sorted).</summary>
    public JsonObject? Settings { get; init; }

    /// <summary>The response messages (one per choice; a streamed response is stored joined).</summary>
    public required IReadOnlyList<CassetteMessage> Responses { get; init; }

    /// <summary>Token usage the provider reported, if any.</summary>
    public LlmUsage? Usage { get; init; }

    /// <summary>Where the recorded response came from (<c>model</c>, <c>scripted</c>, <c>replay</c>).</summary>
    public string? Source { get; init; }

    /// <summary>When the exchange finished.</summary>
    public DateTimeOffset RecordedAt { get; init; }
}

/// <summary>A message in a cassette: role (<c>system</c>, <c>user</c>, <c>assistant</c>, <c>tool</c>), text, optional author.</summary>
public sealed record CassetteMessage(string Role, string Content, string? Name = null, string? FinishReason = null);

/// <summary>Serializer settings of cassettes: camelCase, nulls omitted, one compact object per line, readable code.</summary>
public static class CassetteJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = false,
        // Cassettes are read by people: keep <, >, & and quotes in code readable. They are never embedded in HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Reads every entry of a cassette; blank lines are skipped; a malformed line fails naming its number.</summary>
    public static IReadOnlyList<CassetteEntry> ReadAll(string path)
    {
        var entries = new List<CassetteEntry>();
        var number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            try
            {
                entries.Add(JsonSerializer.Deserialize<CassetteEntry>(line, Options)
                    ?? throw new JsonException("the line is null"));
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"Cassette '{path}' line {number} is not a cassette entry: {e.Message}", e);
            }
        }

        return entries;
    }
}
