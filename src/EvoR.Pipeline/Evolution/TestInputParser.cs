using System.Text.Json;
using EvoR.Pipeline.Generation;
using EvoR.Sandbox;

namespace EvoR.Pipeline.Evolution;

/// <summary>
/// Parses the LLM's test inputs (a JSON array, fenced or not, possibly with prose around it) and Reflexion's self-tests.
/// Returns null when nothing usable is there; the caller degrades the step to "no inputs".
/// </summary>
public static class TestInputParser
{
    /// <summary>Up to <paramref name="max"/> non-empty inputs; strings as they are, other JSON values as their JSON text.</summary>
    public static IReadOnlyList<string>? ParseInputs(string? reply, int max)
    {
        if (ParseArray(reply) is not { } array)
        {
            return null;
        }

        var inputs = array.EnumerateArray()
            .Select(e => e.ValueKind == JsonValueKind.String ? e.GetString() ?? "" : e.GetRawText())
            .Where(s => s.Trim().Length > 0)
            .Take(max)
            .ToList();
        return inputs.Count == 0 ? null : inputs;
    }

    /// <summary>
    /// Self-tests: for <see cref="ProgramStyle.Function"/> the code of the reply (assert statements) as script tests;
    /// for <see cref="ProgramStyle.Stdin"/> a JSON array of <c>{input, output}</c> as io tests.
    /// </summary>
    public static TestSpec? ParseSelfTests(string? reply, ProgramStyle style, string language, int max)
    {
        if (style == ProgramStyle.Function)
        {
            var code = CodeExtractor.Extract(reply, language);
            return code.Kind == ExtractionKind.Empty ? null : new ScriptTests { Code = code.Code };
        }

        if (ParseArray(reply) is not { } array)
        {
            return null;
        }

        var cases = new List<IoCase>();
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.Object
                && item.TryGetProperty("input", out var input) && input.ValueKind == JsonValueKind.String
                && item.TryGetProperty("output", out var output) && output.ValueKind == JsonValueKind.String)
            {
                cases.Add(new IoCase { Stdin = input.GetString()!, ExpectedStdout = output.GetString()! });
            }
        }

        return cases.Count == 0 ? null : new IoTests { Cases = [.. cases.Take(Math.Max(1, max))], IgnoreWhitespace = true };
    }

    private static JsonElement? ParseArray(string? reply)
    {
        if (string.IsNullOrWhiteSpace(reply))
        {
            return null;
        }

        var fenced = CodeExtractor.Extract(reply, "json");
        foreach (var text in (string[])[fenced.Code, reply])
        {
            var start = text.IndexOf('[', StringComparison.Ordinal);
            var end = text.LastIndexOf(']');
            if (start < 0 || end <= start)
            {
                continue;
            }

            try
            {
                using var doc = JsonDocument.Parse(text.AsMemory(start, end - start + 1));
                if (doc.RootElement.ValueKind == JsonValueKind.Array)
                {
                    return doc.RootElement.Clone();
                }
            }
            catch (JsonException)
            {
                // Try the next candidate; nothing parses → null.
            }
        }

        return null;
    }
}
