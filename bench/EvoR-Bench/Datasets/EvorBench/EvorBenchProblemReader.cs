using System.Text.Json;
using System.Text.RegularExpressions;

namespace EvoR.Bench.Datasets.EvorBench;

/// <summary>
/// Reads one problem folder (<c>examples/q*</c>): <c>example.json</c>, <c>code_context.txt</c> with its single
/// <c>[insert]</c>, the Python layout's <c>test_code.py</c>, the cases (<see cref="EvorBenchCaseReader"/>) and the
/// optional gold <c>documentation.txt</c>. Holds the released evals' own assertions, so that a problem they would reject
/// is refused when loaded, not when scored.
/// </summary>
internal static partial class EvorBenchProblemReader
{
    /// <summary>The problem, or null when anything about it is wrong (every error listed).</summary>
    public static EvorBenchProblem? Read(string dir, EvorBenchLayout layout, ComparisonRule rule, List<EvorBenchFormatError> errors)
    {
        var before = errors.Count;
        var id = Path.GetFileName(dir);
        var (description, instructions) = ReadExample(Path.Combine(dir, "example.json"), errors);

        var contextPath = Path.Combine(dir, "code_context.txt");
        string? context = null;
        if (!File.Exists(contextPath))
        {
            errors.Add(new(contextPath, "missing: every problem needs code_context.txt with one [insert]."));
        }
        else if (EvorBenchFiles.ReadText(contextPath, errors) is { } text)
        {
            context = text;
            CheckInsert(contextPath, text, layout, rule, errors);
        }

        string? testCode = null;
        if (layout == EvorBenchLayout.Python)
        {
            var testPath = Path.Combine(dir, "test_code.py");
            if (!File.Exists(testPath))
            {
                errors.Add(new(testPath, "missing: a Python-layout problem needs test_code.py defining test(result, ans)."));
            }
            else if (EvorBenchFiles.ReadText(testPath, errors) is { } text)
            {
                testCode = text;
                if (!TestFunction().IsMatch(text))
                {
                    errors.Add(new(testPath, "defines no test(result, ans) function."));
                }
            }
        }

        var cases = EvorBenchCaseReader.Read(dir, layout, errors);

        var goldPath = Path.Combine(dir, "documentation.txt");
        var gold = File.Exists(goldPath) ? EvorBenchFiles.ReadText(goldPath, errors) : null;

        return errors.Count == before
            ? new EvorBenchProblem(id, dir, description!, instructions!, context!, cases, gold, testCode)
            : null;
    }

    private static (string? Description, IReadOnlyDictionary<string, string>? Instructions) ReadExample(string path, List<EvorBenchFormatError> errors)
    {
        if (!File.Exists(path))
        {
            errors.Add(new(path, "missing: every problem needs example.json with problem_description and instructions."));
            return (null, null);
        }

        if (EvorBenchFiles.ReadText(path, errors) is not { } text)
        {
            return (null, null);
        }

        try
        {
            using var json = JsonDocument.Parse(text, new JsonDocumentOptions { AllowTrailingCommas = true });
            if (json.RootElement.ValueKind != JsonValueKind.Object)
            {
                errors.Add(new(path, "is not a JSON object."));
                return (null, null);
            }

            string? description = null;
            if (!json.RootElement.TryGetProperty("problem_description", out var d) || d.ValueKind != JsonValueKind.String)
            {
                errors.Add(new(path, "has no string \"problem_description\"."));
            }
            else
            {
                description = d.GetString();
            }

            return (description, ReadInstructions(path, json.RootElement, errors));
        }
        catch (JsonException ex)
        {
            errors.Add(new(path, $"is not valid JSON: {ex.Message}"));
            return (null, null);
        }
    }

    /// <summary>The <c>instructions</c> object (one prompt per model family); null (and an error) when absent.</summary>
    private static Dictionary<string, string>? ReadInstructions(string path, JsonElement root, List<EvorBenchFormatError> errors)
    {
        if (!root.TryGetProperty("instructions", out var i) || i.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new(path, "has no \"instructions\" object (keys gpt, codellama, starchat)."));
            return null;
        }

        var instructions = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in i.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
            {
                errors.Add(new(path, $"instructions.{entry.Name} is not a string."));
                continue;
            }

            instructions[entry.Name] = entry.Value.GetString()!;
        }

        if (instructions.Count == 0)
        {
            errors.Add(new(path, "\"instructions\" is empty; give at least \"gpt\"."));
        }

        return instructions;
    }

    private static void CheckInsert(string path, string text, EvorBenchLayout layout, ComparisonRule rule, List<EvorBenchFormatError> errors)
    {
        var count = Count(text, EvorBenchProblem.InsertMarker);
        if (count != 1)
        {
            errors.Add(new(path, count == 0 ? "holds no [insert] placeholder." : $"holds [insert] {count} times; it must hold it exactly once."));
            return;
        }

        // The released evals' own assertions: Python needs the placeholder on its own line, Ring after a newline.
        if (layout == EvorBenchLayout.Python && Count(text.ReplaceLineEndings("\n"), "\n[insert]\n") != 1)
        {
            errors.Add(new(path, "[insert] must stand on its own line (the Python evals assert exactly one \"\\n[insert]\\n\")."));
        }
        else if (rule == ComparisonRule.Ring && Count(text.ReplaceLineEndings("\n"), "\n[insert]") != 1)
        {
            errors.Add(new(path, "[insert] must follow a newline (the Ring eval asserts exactly one \"\\n[insert]\")."));
        }
    }

    /// <summary>Non-overlapping occurrences of <paramref name="part"/>, as Python's <c>str.count</c>.</summary>
    private static int Count(string text, string part)
    {
        var count = 0;
        for (var i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + part.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    [GeneratedRegex(@"(^|\n)def test\(")]
    private static partial Regex TestFunction();
}
