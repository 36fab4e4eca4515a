using EvoR.Pipeline.Knowledge;
using EvoR.Pipeline.Methods;
using EvoR.Sandbox;

namespace EvoR.Bench.Datasets.EvorBench;

/// <summary>
/// One EvoR-Bench task (Scipy-M, Tensorflow-M, Pony, Ring, or a track in the same layout) behind
/// <see cref="IBenchDataset"/>: the prompt is the description and the task's instruction, the code context is
/// <c>code_context.txt</c>, the documents are <c>docs/*.md</c>, and every answer is scored by
/// <see cref="EvorBenchScorer"/> (the released harness, run inside the sandbox) rather than by a test spec.
/// </summary>
internal sealed class EvorBenchDataset : IBenchDataset
{
    private readonly EvorBenchTask _task;
    private readonly EvorBenchScoringOptions _scoring;

    public EvorBenchDataset(EvorBenchTask task, EvorBenchScoringOptions? scoring = null)
    {
        _task = task;
        _scoring = scoring ?? new EvorBenchScoringOptions();
        Problems = [.. task.Problems.Select(ToBenchProblem)];
        Documents = [.. task.Docs.Select(doc => new KnowledgeDocument
        {
            Id = doc.Key,
            Text = doc.Text,
            Title = Path.GetFileNameWithoutExtension(doc.Key),
            Source = SourceKind.Documentation,
            Language = task.Language,
            Library = task.Name,
        })];
    }

    public string Name => _task.Name;
    public string Source => _task.Folder;
    public bool Scripted => false;
    public IReadOnlyList<BenchProblem> Problems { get; }
    public IReadOnlyList<KnowledgeDocument> Documents { get; }

    /// <summary>A library folder (<c>lib/tessera</c>) is the package itself: its parent is what Python imports it from.</summary>
    public IReadOnlyList<string> ImportRoots =>
        [.. _task.Libraries.Select(library => Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(library))!).Distinct(StringComparer.Ordinal)];

    /// <summary>Every task under <paramref name="path"/> (a task folder or a data dir holding several).</summary>
    /// <exception cref="EvorBenchFormatException">The folder is not in the layout; every error names its file.</exception>
    public static IReadOnlyList<EvorBenchDataset> Load(string path) =>
        [.. EvorBenchLoader.Load(path, null).Select(task => new EvorBenchDataset(task))];

    private BenchProblem ToBenchProblem(EvorBenchProblem problem) => new()
    {
        Id = problem.Id,
        Prompt = problem.InstructionFor("gpt") is { } instruction && !string.IsNullOrWhiteSpace(instruction)
            ? problem.Description + "\n\n" + instruction
            : problem.Description,
        Language = _task.Language,
        Library = _task.Name,
        CodeContext = problem.CodeContext,
        // What defines the problem for its hash; never run: ScoreProgram scores the answer.
        Tests = _task.Layout == EvorBenchLayout.Python
            ? new ScriptTests { Code = problem.TestCode ?? "" }
            : new IoTests { Cases = [.. problem.Cases.Select(c => new IoCase { Stdin = c.InputText, ExpectedStdout = c.AnswerText })] },
        Reference = _task.ReferenceSolutions.GetValueOrDefault(problem.Id),
        GoldDocs = problem.GoldDocumentation is { } gold ? [.. gold.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)] : [],
        ScoreProgram = (executor, program, ct) => ScoreAsync(executor, problem, program, ct),
    };

    /// <summary>Scores the whole program (code context already filled): the problem's context becomes the bare slot.</summary>
    private async Task<Score> ScoreAsync(ICodeExecutor executor, EvorBenchProblem problem, string program, CancellationToken ct)
    {
        var scorer = new EvorBenchScorer(executor, TimeProvider.System, _scoring);
        var verdict = await scorer.ScoreAsync(_task, problem with { CodeContext = EvorBenchProblem.InsertMarker }, program, "bench", ct);
        return new Score(true, verdict.Verdict, verdict.Reason);
    }
}
