using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace EvoR.Bench.Datasets.EvorBench;

/// <summary>
/// Reads EvoR-Bench (ARKS) data in the released layout (<c>../shared/docs/EVOR-BENCH-LAYOUT.md</c>): a task folder
/// (<c>ScipyM</c>, <c>TensorflowM</c>, <c>Pony</c>, <c>Ring</c>, or any folder with <c>docs/</c> and <c>examples/</c>)
/// or a data dir holding several. The whole folder is checked before anything is returned: every error names its file,
/// and a folder with any error throws <see cref="EvorBenchFormatException"/> (a problem is never silently dropped).
/// Nothing is unpickled: pickles are carried as bytes into the sandbox.
/// </summary>
internal static partial class EvorBenchLoader
{
    /// <summary>The released task names (case-sensitive, as <c>run.py</c>'s choices).</summary>
    public static readonly IReadOnlyList<string> ReleasedTasks = ["ScipyM", "TensorflowM", "Pony", "Ring"];

    public const string ManifestFile = "dataset.json";

    private static readonly JsonSerializerOptions JsonOptions = new() { ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary>Loads every task under <paramref name="path"/>: the folder itself when it is a task folder, else each
    /// sub-folder that is one (ordinal order).</summary>
    /// <param name="path">A task folder or a data dir.</param>
    /// <param name="extraLibraries">Library folders given on the command line (<c>--library</c>), added to every task's
    /// <see cref="EvorBenchTask.Libraries"/>.</param>
    /// <exception cref="EvorBenchFormatException">Anything is wrong with the folder; every error is listed.</exception>
    public static IReadOnlyList<EvorBenchTask> Load(string path, IReadOnlyList<string>? extraLibraries = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var root = Path.GetFullPath(path);
        if (!Directory.Exists(root))
        {
            throw new EvorBenchFormatException([new(root, "no such folder.")]);
        }

        var errors = new List<EvorBenchFormatError>();
        var libraries = new List<string>();
        foreach (var library in extraLibraries ?? [])
        {
            var full = Path.GetFullPath(library);
            if (!Directory.Exists(full) && !File.Exists(full))
            {
                errors.Add(new(full, "the --library folder does not exist."));
            }

            libraries.Add(full);
        }

        var tasks = new List<EvorBenchTask>();
        if (IsTaskFolder(root))
        {
            LoadTask(root, libraries, errors, tasks);
        }
        else
        {
            var children = Directory.EnumerateDirectories(root).Where(IsTaskFolder).Order(StringComparer.Ordinal).ToList();
            if (children.Count == 0)
            {
                errors.Add(new(root, "neither a task folder (docs/ and examples/) nor a data dir holding one (e.g. ScipyM/, Pony/)."));
            }

            foreach (var child in children)
            {
                LoadTask(child, libraries, errors, tasks);
            }
        }

        if (errors.Count > 0)
        {
            throw new EvorBenchFormatException(errors);
        }

        return tasks;
    }

    /// <summary>Loads exactly one task folder.</summary>
    /// <exception cref="EvorBenchFormatException">Anything is wrong with it.</exception>
    public static EvorBenchTask LoadTask(string taskFolder, IReadOnlyList<string>? extraLibraries = null)
    {
        var root = Path.GetFullPath(taskFolder);
        if (!IsTaskFolder(root))
        {
            throw new EvorBenchFormatException([new(root, "not a task folder: it has neither docs/ nor examples/.")]);
        }

        var tasks = Load(root, extraLibraries);
        return tasks[0];
    }

    private static bool IsTaskFolder(string dir) =>
        Directory.Exists(Path.Combine(dir, "examples")) || Directory.Exists(Path.Combine(dir, "docs"))
        || File.Exists(Path.Combine(dir, ManifestFile));

    private static void LoadTask(string folder, List<string> extraLibraries, List<EvorBenchFormatError> errors, List<EvorBenchTask> tasks)
    {
        var before = errors.Count;
        var folderName = Path.GetFileName(folder);
        var manifest = ReadManifest(folder, errors);
        var examples = Path.Combine(folder, "examples");
        var problemDirs = Directory.Exists(examples)
            ? Directory.EnumerateDirectories(examples).Where(d => Path.GetFileName(d).StartsWith('q')).Order(StringComparer.Ordinal).ToList()
            : [];
        if (!Directory.Exists(examples))
        {
            errors.Add(new(examples, "missing: a task folder needs examples/ with one q* folder per problem."));
        }
        else if (problemDirs.Count == 0)
        {
            errors.Add(new(examples, "holds no problem folder (a folder whose name starts with 'q')."));
        }

        var layout = ResolveLayout(folder, folderName, manifest, problemDirs, errors);
        var language = manifest?.Language ?? folderName switch
        {
            "ScipyM" or "TensorflowM" => "python",
            "Pony" => "pony",
            "Ring" => "ring",
            _ => layout == EvorBenchLayout.Python ? "python" : null,
        };
        if (language is null)
        {
            errors.Add(new(Path.Combine(folder, ManifestFile), "a stdin/stdout task with another name than Pony or Ring needs dataset.json naming its \"language\"."));
        }

        var rule = ResolveRule(folder, folderName, manifest, layout, errors);
        var docsFolder = Path.Combine(folder, "docs");
        var docs = ReadDocs(docsFolder, errors);

        var libraries = new List<string>();
        foreach (var library in manifest?.Libraries ?? [])
        {
            var full = Path.GetFullPath(Path.Combine(folder, library));
            if (!Directory.Exists(full) && !File.Exists(full))
            {
                errors.Add(new(Path.Combine(folder, ManifestFile), $"library '{library}' does not exist ({full})."));
            }

            libraries.Add(full);
        }

        libraries.AddRange(extraLibraries);

        var problems = new List<EvorBenchProblem>();
        if (layout is { } known)
        {
            foreach (var dir in problemDirs)
            {
                if (ReadProblem(dir, known, rule, errors) is { } problem)
                {
                    problems.Add(problem);
                }
            }
        }

        var references = ReadReferences(folder, problems, errors);
        if (errors.Count == before && layout is { } l && language is not null)
        {
            tasks.Add(new EvorBenchTask(manifest?.Name ?? folderName, folder, language, l, rule, problems, docsFolder, docs, libraries, references));
        }
    }

    private static DatasetManifest? ReadManifest(string folder, List<EvorBenchFormatError> errors)
    {
        var path = Path.Combine(folder, ManifestFile);
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

    private static EvorBenchLayout? ResolveLayout(string folder, string folderName, DatasetManifest? manifest, List<string> problemDirs, List<EvorBenchFormatError> errors)
    {
        switch (manifest?.Layout)
        {
            case "python":
                return EvorBenchLayout.Python;
            case "stdin-stdout":
                return EvorBenchLayout.StdinStdout;
            case { } other:
                errors.Add(new(Path.Combine(folder, ManifestFile), $"unknown layout '{other}'; use \"python\" or \"stdin-stdout\"."));
                return null;
        }

        switch (folderName)
        {
            case "ScipyM" or "TensorflowM":
                return EvorBenchLayout.Python;
            case "Pony" or "Ring":
                return EvorBenchLayout.StdinStdout;
        }

        // Another name: read it by what it holds.
        var python = problemDirs.Count(d => File.Exists(Path.Combine(d, "test_code.py")) || HasFiles(Path.Combine(d, "input"), "*.pkl"));
        var stdio = problemDirs.Count(d => HasFiles(Path.Combine(d, "inputs"), "*.txt") || HasFiles(Path.Combine(d, "ans"), "*.txt"));
        if (python > 0 && stdio == 0)
        {
            return EvorBenchLayout.Python;
        }

        if (stdio > 0 && python == 0)
        {
            return EvorBenchLayout.StdinStdout;
        }

        if (problemDirs.Count > 0)
        {
            errors.Add(new(folder, python > 0
                ? $"mixes layouts: {python} problem(s) hold test_code.py or input/*.pkl and {stdio} hold inputs/*.txt or ans/*.txt; set \"layout\" in dataset.json."
                : "cannot tell the layout: no problem holds test_code.py + input/*.pkl (Python) or inputs/*.txt + ans/*.txt (stdin/stdout); set \"layout\" in dataset.json."));
        }

        return null;
    }

    private static ComparisonRule ResolveRule(string folder, string folderName, DatasetManifest? manifest, EvorBenchLayout? layout, List<EvorBenchFormatError> errors)
    {
        var rule = manifest?.Comparison switch
        {
            null => folderName switch
            {
                "Pony" => ComparisonRule.Pony,
                "Ring" => ComparisonRule.Ring,
                _ => layout == EvorBenchLayout.StdinStdout ? ComparisonRule.Exact : ComparisonRule.PythonTestCode,
            },
            "test-code" => ComparisonRule.PythonTestCode,
            "pony" => ComparisonRule.Pony,
            "ring" => ComparisonRule.Ring,
            "exact" => ComparisonRule.Exact,
            var other => Invalid(other),
        };
        if (layout == EvorBenchLayout.Python && rule != ComparisonRule.PythonTestCode
            || layout == EvorBenchLayout.StdinStdout && rule == ComparisonRule.PythonTestCode)
        {
            errors.Add(new(Path.Combine(folder, ManifestFile), $"comparison '{manifest?.Comparison}' does not fit the {layout} layout."));
        }

        return rule;

        ComparisonRule Invalid(string other)
        {
            errors.Add(new(Path.Combine(folder, ManifestFile), $"unknown comparison '{other}'; use \"test-code\", \"pony\", \"ring\" or \"exact\"."));
            return ComparisonRule.Exact;
        }
    }

    private static List<EvorBenchDoc> ReadDocs(string docsFolder, List<EvorBenchFormatError> errors)
    {
        var docs = new List<EvorBenchDoc>();
        if (!Directory.Exists(docsFolder))
        {
            errors.Add(new(docsFolder, "missing: a task folder needs docs/ with the knowledge base's .md files."));
            return docs;
        }

        foreach (var file in Directory.EnumerateFiles(docsFolder).Where(f => f.EndsWith(".md", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            if (ReadText(file, errors) is { } text)
            {
                docs.Add(new EvorBenchDoc(Path.GetFileName(file), file, text));
            }
        }

        if (docs.Count == 0 && !errors.Any(e => e.Path.StartsWith(docsFolder, StringComparison.Ordinal)))
        {
            errors.Add(new(docsFolder, "holds no .md file (files not ending in .md are skipped, as the released code does)."));
        }

        return docs;
    }

    private static EvorBenchProblem? ReadProblem(string dir, EvorBenchLayout layout, ComparisonRule rule, List<EvorBenchFormatError> errors)
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
        else if (ReadText(contextPath, errors) is { } text)
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
            else if (ReadText(testPath, errors) is { } text)
            {
                testCode = text;
                if (!TestFunction().IsMatch(text))
                {
                    errors.Add(new(testPath, "defines no test(result, ans) function."));
                }
            }
        }

        var cases = layout == EvorBenchLayout.Python
            ? ReadCases(dir, "input", "input", ".pkl", "ans", ".pkl", pickles: true, errors)
            : ReadCases(dir, "inputs", "input", ".txt", "ans", ".txt", pickles: false, errors);

        var goldPath = Path.Combine(dir, "documentation.txt");
        var gold = File.Exists(goldPath) ? ReadText(goldPath, errors) : null;

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

        if (ReadText(path, errors) is not { } text)
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

            Dictionary<string, string>? instructions = null;
            if (!json.RootElement.TryGetProperty("instructions", out var i) || i.ValueKind != JsonValueKind.Object)
            {
                errors.Add(new(path, "has no \"instructions\" object (keys gpt, codellama, starchat)."));
            }
            else
            {
                instructions = new Dictionary<string, string>(StringComparer.Ordinal);
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
            }

            return (description, instructions);
        }
        catch (JsonException ex)
        {
            errors.Add(new(path, $"is not valid JSON: {ex.Message}"));
            return (null, null);
        }
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

    private static List<EvorBenchCase> ReadCases(string dir, string inputFolder, string inputPrefix, string inputExt, string ansPrefix, string ansExt, bool pickles, List<EvorBenchFormatError> errors)
    {
        var inputs = Numbered(Path.Combine(dir, inputFolder), inputPrefix, inputExt);
        var answers = Numbered(Path.Combine(dir, "ans"), ansPrefix, ansExt);
        var cases = new List<EvorBenchCase>();

        // N = 1, 2, … while both files exist (the released loop); anything beyond is an error here, not a silent stop.
        var n = 1;
        for (; inputs.ContainsKey(n) && answers.ContainsKey(n); n++)
        {
            var input = ReadBytes(inputs[n], errors);
            var answer = ReadBytes(answers[n], errors);
            if (pickles)
            {
                CheckPickle(inputs[n], input, errors);
                CheckPickle(answers[n], answer, errors);
            }

            if (input is not null && answer is not null)
            {
                cases.Add(new EvorBenchCase(n, inputs[n], input, answers[n], answer));
            }
        }

        var gap = inputs.ContainsKey(n)
            ? Path.Combine(dir, "ans", ansPrefix + n.ToString(CultureInfo.InvariantCulture) + ansExt)
            : Path.Combine(dir, inputFolder, inputPrefix + n.ToString(CultureInfo.InvariantCulture) + inputExt);
        foreach (var (number, path) in inputs.Where(p => p.Key > n || p.Key == n && !answers.ContainsKey(n)).OrderBy(p => p.Key))
        {
            errors.Add(new(path, answers.ContainsKey(number)
                ? $"case {number} comes after case {n}, which is missing ({gap}); cases must be numbered 1, 2, … without gaps."
                : $"has no answer: {Path.Combine(dir, "ans", ansPrefix + number.ToString(CultureInfo.InvariantCulture) + ansExt)} is missing."));
        }

        foreach (var (number, path) in answers.Where(p => p.Key >= n && !inputs.ContainsKey(p.Key)).OrderBy(p => p.Key))
        {
            errors.Add(new(path, $"has no input: {Path.Combine(dir, inputFolder, inputPrefix + number.ToString(CultureInfo.InvariantCulture) + inputExt)} is missing."));
        }

        return cases;
    }

    private static Dictionary<int, string> Numbered(string folder, string prefix, string ext)
    {
        var found = new Dictionary<int, string>();
        if (!Directory.Exists(folder))
        {
            return found;
        }

        foreach (var file in Directory.EnumerateFiles(folder))
        {
            var name = Path.GetFileName(file);
            if (name.StartsWith(prefix, StringComparison.Ordinal) && name.EndsWith(ext, StringComparison.Ordinal)
                && int.TryParse(name.AsSpan(prefix.Length, name.Length - prefix.Length - ext.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var number)
                && number.ToString(CultureInfo.InvariantCulture) == name[prefix.Length..^ext.Length])
            {
                found[number] = file;
            }
        }

        return found;
    }

    /// <summary>A structural check only (nothing is unpickled): a pickle is non-empty, ends with the STOP opcode
    /// <c>'.'</c>, and, when it starts with the PROTO opcode, names protocol 2–5.</summary>
    private static void CheckPickle(string path, byte[]? bytes, List<EvorBenchFormatError> errors)
    {
        if (bytes is null)
        {
            return;
        }

        if (bytes.Length == 0 || bytes[^1] != (byte)'.' || bytes[0] == 0x80 && (bytes.Length < 3 || bytes[1] is < 2 or > 5))
        {
            errors.Add(new(path, "is not a readable pickle (empty, truncated, or not pickle data)."));
        }
    }

    private static Dictionary<string, string> ReadReferences(string folder, List<EvorBenchProblem> problems, List<EvorBenchFormatError> errors)
    {
        var references = new Dictionary<string, string>(StringComparer.Ordinal);
        var dir = Path.Combine(folder, "references");
        if (!Directory.Exists(dir))
        {
            return references;
        }

        var ids = problems.Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(dir, "*.txt").Order(StringComparer.Ordinal))
        {
            var id = Path.GetFileNameWithoutExtension(file);
            if (!ids.Contains(id) && Directory.Exists(Path.Combine(folder, "examples", id)))
            {
                continue; // The problem itself is broken; its error is already listed.
            }

            if (!ids.Contains(id))
            {
                errors.Add(new(file, $"is a reference for '{id}', which is no problem of examples/."));
            }
            else if (ReadText(file, errors) is { } text)
            {
                references[id] = text;
            }
        }

        return references;
    }

    private static string? ReadText(string path, List<EvorBenchFormatError> errors)
    {
        var bytes = ReadBytes(path, errors);
        if (bytes is null)
        {
            return null;
        }

        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes).TrimStart('\uFEFF');
        }
        catch (DecoderFallbackException)
        {
            errors.Add(new(path, "is not UTF-8 text."));
            return null;
        }
    }

    private static byte[]? ReadBytes(string path, List<EvorBenchFormatError> errors)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            errors.Add(new(path, $"cannot be read: {ex.Message}"));
            return null;
        }
    }

    private static bool HasFiles(string folder, string pattern) => Directory.Exists(folder) && Directory.EnumerateFiles(folder, pattern).Any();

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
