using System.Text.Json;
using System.Text.Json.Serialization;

namespace EvoR.Bench.Datasets.EvorBench;

/// <summary>
/// Optional <c>dataset.json</c> beside <c>docs/</c> and <c>examples/</c>: what the files cannot say. Every member is
/// optional; the released tasks need none (their folder name says it all).
/// </summary>
internal sealed record DatasetManifest
{
    /// <summary>Display name; default the folder name.</summary>
    [JsonPropertyName("name")]
    public string? Name { get; init; }

    /// <summary>Sandbox language of the filled program (<c>python</c>, <c>lua</c>, <c>nim</c>, <c>pony</c>, <c>ring</c>…).
    /// Default <c>python</c> for the Python layout; required for a stdin/stdout folder with an unknown name.</summary>
    [JsonPropertyName("language")]
    public string? Language { get; init; }

    /// <summary><c>python</c> or <c>stdin-stdout</c>; default detected from the problem folders' files.</summary>
    [JsonPropertyName("layout")]
    public string? Layout { get; init; }

    /// <summary><c>test-code</c> (Python layout), <c>pony</c>, <c>ring</c> or <c>exact</c>; default by layout:
    /// <c>test-code</c> or <c>exact</c>.</summary>
    [JsonPropertyName("comparison")]
    public string? Comparison { get; init; }

    /// <summary>Library folders (a Python package folder, or a single <c>.py</c> module), relative to the task folder,
    /// that the program imports; the Python scorer carries them into the sandbox on <c>PYTHONPATH</c>.</summary>
    [JsonPropertyName("libraries")]
    public IReadOnlyList<string>? Libraries { get; init; }

    private static readonly JsonSerializerOptions JsonOptions = new() { ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary>The task folder's <c>dataset.json</c>; null when it has none, or (with an error listed) when it cannot
    /// be read or holds JSON <c>null</c>.</summary>
    public static DatasetManifest? Read(string folder, List<EvorBenchFormatError> errors)
    {
        var path = Path.Combine(folder, EvorBenchLoader.ManifestFile);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            var manifest = JsonSerializer.Deserialize<DatasetManifest>(File.ReadAllText(path), JsonOptions);
            if (manifest is null)
            {
                errors.Add(new(path, "is null; write an object such as {\"language\": \"lua\"}."));
            }

            return manifest;
        }
        catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException)
        {
            errors.Add(new(path, $"cannot be read: {ex.Message}"));
            return null;
        }
    }
}
