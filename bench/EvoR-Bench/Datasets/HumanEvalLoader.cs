using System.IO.Compression;
using System.Text.Json;

namespace EvoR.Bench.Datasets;

/// <summary>Reads HumanEval problems from the gzipped JSON-lines file OpenAI publishes.</summary>
internal static class HumanEvalLoader
{
    /// <summary>File name of the dataset.</summary>
    public const string FileName = "HumanEval.jsonl.gz";

    private const string SolutionFile = "EvoR.sln";

    private static readonly JsonSerializerOptions JsonOptions = new() { RespectNullableAnnotations = true };

    /// <summary>
    /// The default dataset path: the folder holding <c>EvoR.sln</c>, found by walking up from
    /// <paramref name="startDirectory"/>, then <c>../shared/data/humaneval/HumanEval.jsonl.gz</c>.
    /// Null when no <c>EvoR.sln</c> is found above <paramref name="startDirectory"/>.
    /// </summary>
    public static string? FindDefaultPath(string startDirectory)
    {
        for (var dir = new DirectoryInfo(startDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, SolutionFile)))
            {
                return Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "data", "humaneval", FileName));
            }
        }

        return null;
    }

    /// <summary>Resolves <paramref name="explicitPath"/> when given, else <see cref="FindDefaultPath"/> from
    /// <paramref name="startDirectory"/>, else from the application's base directory.</summary>
    public static string? ResolvePath(string? explicitPath, string startDirectory) =>
        explicitPath is { Length: > 0 }
            ? Path.GetFullPath(explicitPath)
            : FindDefaultPath(startDirectory) ?? FindDefaultPath(AppContext.BaseDirectory);

    /// <summary>Loads every problem of a <c>.jsonl.gz</c> file (a plain <c>.jsonl</c> is read as is), in file order.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">A line is not a valid problem; the message names the line.</exception>
    public static async Task<IReadOnlyList<HumanEvalProblem>> LoadAsync(string path, CancellationToken cancellationToken = default)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"HumanEval dataset not found at '{path}'.", path);
        }

        await using var file = File.OpenRead(path);
        await using Stream content = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)
            ? new GZipStream(file, CompressionMode.Decompress)
            : file;
        return await LoadAsync(content, cancellationToken);
    }

    /// <summary>Loads every problem from an uncompressed JSON-lines stream; blank lines are skipped.</summary>
    /// <exception cref="InvalidDataException">A line is not a valid problem, or two problems share a task id.</exception>
    public static async Task<IReadOnlyList<HumanEvalProblem>> LoadAsync(Stream jsonLines, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jsonLines);
        using var reader = new StreamReader(jsonLines);
        var problems = new List<HumanEvalProblem>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var lineNumber = 0;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            HumanEvalProblem? problem;
            try
            {
                problem = JsonSerializer.Deserialize<HumanEvalProblem>(line, JsonOptions);
            }
            catch (JsonException ex)
            {
                throw new InvalidDataException($"HumanEval line {lineNumber} is not a valid problem: {ex.Message}", ex);
            }

            if (problem is null)
            {
                throw new InvalidDataException($"HumanEval line {lineNumber} is null.");
            }

            if (!seen.Add(problem.TaskId))
            {
                throw new InvalidDataException($"HumanEval line {lineNumber} repeats task id '{problem.TaskId}'.");
            }

            problems.Add(problem);
        }

        return problems;
    }
}
