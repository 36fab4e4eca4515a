using System.Security.Cryptography;
using System.Text;
using EvoR.Pipeline.Generation;
using EvoR.Pipeline.Knowledge;
using EvoR.Pipeline.Methods;
using EvoR.Sandbox;

namespace EvoR.Bench.Datasets;

/// <summary>One problem of a bench dataset, as every dataset gives it to the runner.</summary>
internal sealed record BenchProblem
{
    /// <summary>Stable within the dataset; the resume key and the column of the pass/fail grid.</summary>
    public required string Id { get; init; }

    /// <summary>The question the method gets (the first retrieval query).</summary>
    public required string Prompt { get; init; }

    public required string Language { get; init; }

    /// <summary>Tests that score the answer; never shown to a method.</summary>
    public required TestSpec Tests { get; init; }

    /// <summary>Tests the method may run (null: none).</summary>
    public TestSpec? VisibleTests { get; init; }

    /// <summary>A program with <c>[insert]</c> where the generated code goes; null: the code is the program.</summary>
    public string? CodeContext { get; init; }

    public string? Library { get; init; }

    public ProgramStyle Style { get; init; } = ProgramStyle.Function;

    /// <summary>The reference answer as the method's code would be (put into <see cref="CodeContext"/>); null: none.</summary>
    public string? Reference { get; init; }

    /// <summary>The documentation lines a correct answer needs (gold docs), when the dataset names them.</summary>
    public IReadOnlyList<string> GoldDocs { get; init; } = [];

    /// <summary>Scores a whole program (code context filled) where the dataset's own harness does (EvoR-Bench's
    /// layouts); null: <see cref="Tests"/> score it through the pipeline's hidden-test scorer.</summary>
    public Func<ICodeExecutor, string, CancellationToken, Task<Score>>? ScoreProgram { get; init; }

    /// <summary>The problem as the pipeline runs it (hidden tests included; <c>MethodRunner</c> strips them).</summary>
    public GenerationProblem ToGenerationProblem() => new()
    {
        Id = Id,
        Description = Prompt,
        Language = Language,
        Library = Library,
        CodeContext = CodeContext,
        Style = Style,
        VisibleTests = VisibleTests,
        HiddenTests = Tests,
    };

    /// <summary>sha256 (16 hex digits) of what defines the problem: prompt, context, language and tests.</summary>
    public string Hash() => BenchHashes.Of(Id, Prompt, Language, CodeContext ?? "", TestText(Tests), TestText(VisibleTests));

    private static string TestText(TestSpec? tests) => tests switch
    {
        ScriptTests s => s.Code,
        IoTests io => string.Join("\u0001", io.Cases.Select(c => c.Stdin + "\u0002" + c.ExpectedStdout)),
        null => "",
        _ => tests.ToString() ?? "",
    };
}

/// <summary>A set of problems the bench runs methods over, with the documents its knowledge base starts from.</summary>
internal interface IBenchDataset
{
    /// <summary>The column name in every table (<c>humaneval</c>, <c>scripted-gap</c>…).</summary>
    string Name { get; }

    /// <summary>Where it was read from (a file or folder), or <c>builtin:NAME</c>.</summary>
    string Source { get; }

    /// <summary>True when the dataset is made for scripted-model runs; its scores are never a model's accuracy.</summary>
    bool Scripted { get; }

    IReadOnlyList<BenchProblem> Problems { get; }

    /// <summary>The documents of the dataset's shared knowledge base; empty: methods retrieve nothing.</summary>
    IReadOnlyList<KnowledgeDocument> Documents { get; }

    /// <summary>Folders every program of this dataset must import from (for Python, what goes on <c>PYTHONPATH</c>):
    /// the modified libraries of EvoR-Bench's tasks.</summary>
    IReadOnlyList<string> ImportRoots => [];
}

internal static class BenchHashes
{
    /// <summary>sha256 over the parts (separated), first 16 hex digits.</summary>
    public static string Of(params string[] parts)
    {
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\0", parts)));
        return Convert.ToHexStringLower(bytes)[..16];
    }

    /// <summary>The dataset's content hash: every problem's hash and every document, in order.</summary>
    public static string Of(IBenchDataset dataset) =>
        Of([.. dataset.Problems.Select(p => p.Hash()), .. dataset.Documents.Select(d => d.Id + "\u0001" + d.Text)]);
}

/// <summary>HumanEval (164 Python problems) behind <see cref="IBenchDataset"/>: the prompt is the signature and
/// docstring, the answer is the whole function, the reference is prompt + canonical solution.</summary>
internal sealed class HumanEvalDataset(string path, IReadOnlyList<HumanEvalProblem> problems) : IBenchDataset
{
    public const string DatasetName = "humaneval";

    public string Name => DatasetName;
    public string Source => path;
    public bool Scripted => false;
    public IReadOnlyList<KnowledgeDocument> Documents => [];

    public IReadOnlyList<BenchProblem> Problems { get; } = [.. problems.Select(p => new BenchProblem
    {
        Id = p.TaskId,
        Prompt = "Complete this Python function; answer with the whole function (and the imports it needs).\n\n" + p.Prompt,
        Language = Scoring.HumanEvalRequestBuilder.Language,
        // The prompt's imports and helpers come first, as in the HumanEval harness.
        CodeContext = p.Prompt + "\n" + GenerationProblem.InsertSlot + "\n",
        Tests = new ScriptTests { Code = Scoring.HumanEvalRequestBuilder.BuildTestCode(p) },
        Reference = p.Prompt + p.CanonicalSolution,
    })];

    public static async Task<HumanEvalDataset> LoadAsync(string path, CancellationToken cancellationToken) =>
        new(path, await HumanEvalLoader.LoadAsync(path, cancellationToken));
}

/// <summary>Finds datasets by name (<c>humaneval</c>, <c>scripted-gap</c>) or path: a HumanEval <c>.jsonl[.gz]</c>, or an
/// EvoR-Bench folder (a task, or a data dir holding several: one dataset each).</summary>
internal static class DatasetResolver
{
    /// <exception cref="ArgumentException">Neither a known name nor an existing file or folder.</exception>
    /// <exception cref="EvorBench.EvorBenchFormatException">A folder not in the EvoR-Bench layout.</exception>
    public static async Task<IReadOnlyList<IBenchDataset>> ResolveAllAsync(string nameOrPath, CancellationToken cancellationToken) =>
        Directory.Exists(nameOrPath)
            ? EvorBench.EvorBenchDataset.Load(Path.GetFullPath(nameOrPath))
            : [await ResolveAsync(nameOrPath, cancellationToken)];

    public static IReadOnlyList<string> BuiltInNames => [HumanEvalDataset.DatasetName, ScriptedGapDataset.DatasetName, ScriptedSharedClueDataset.DatasetName];

    /// <exception cref="ArgumentException">Neither a known name nor an existing file.</exception>
    public static async Task<IBenchDataset> ResolveAsync(string nameOrPath, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(nameOrPath);
        if (string.Equals(nameOrPath, ScriptedGapDataset.DatasetName, StringComparison.OrdinalIgnoreCase))
        {
            return new ScriptedGapDataset();
        }

        if (string.Equals(nameOrPath, ScriptedSharedClueDataset.DatasetName, StringComparison.OrdinalIgnoreCase))
        {
            return new ScriptedSharedClueDataset();
        }

        if (string.Equals(nameOrPath, HumanEvalDataset.DatasetName, StringComparison.OrdinalIgnoreCase))
        {
            var path = HumanEvalLoader.ResolvePath(null, Directory.GetCurrentDirectory())
                ?? throw new ArgumentException("No EvoR.sln above the current directory to find ../shared/data/humaneval/ from; pass the file's path.");
            return await HumanEvalDataset.LoadAsync(path, cancellationToken);
        }

        if (File.Exists(nameOrPath) && (nameOrPath.EndsWith(".jsonl.gz", StringComparison.OrdinalIgnoreCase) || nameOrPath.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase)))
        {
            return await HumanEvalDataset.LoadAsync(Path.GetFullPath(nameOrPath), cancellationToken);
        }

        throw new ArgumentException($"Unknown dataset '{nameOrPath}': give one of {string.Join(", ", BuiltInNames)}, a HumanEval .jsonl[.gz] path or an EvoR-Bench folder.");
    }
}
