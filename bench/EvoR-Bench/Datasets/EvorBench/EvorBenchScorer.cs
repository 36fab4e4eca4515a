using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EvoR.Sandbox;

namespace EvoR.Bench.Datasets.EvorBench;

/// <summary>
/// Scores generated code against EvoR-Bench problems through <see cref="ICodeExecutor"/>. The Python layout is one
/// sandbox execution per problem: a self-contained driver (<c>python-layout-driver.py</c>) carrying the problem's files,
/// the filled program and the task's libraries writes them into the sandbox's <c>/work</c>, runs
/// <c>python program.py --test_case N</c> per case and scores with <c>test_code.test</c> and <c>stringTest</c> as the
/// released harness does. Nothing is ever unpickled or imported here: the service reads only the driver's JSON lines.
/// The stdin/stdout layout is one execution per case (input on stdin, answer on stdout), compared with
/// <see cref="AnswerComparer"/>, stopping at the first failure.
/// </summary>
internal sealed class EvorBenchScorer(ICodeExecutor executor, TimeProvider timeProvider, EvorBenchScoringOptions? options = null)
{
    private const int MaxBusyRetries = 20;
    private const string LinePrefix = "evor-bench:";

    private static readonly Lazy<string> Driver = new(() =>
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("EvoR.Bench.EvorBench.python-layout-driver.py")
            ?? throw new InvalidOperationException("The Python-layout driver is not embedded in the assembly.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    public EvorBenchScoringOptions Options { get; } = options ?? new EvorBenchScoringOptions();

    /// <summary>Scores <paramref name="code"/> (what replaces <c>[insert]</c>) against one problem of <paramref name="task"/>.</summary>
    /// <param name="task">The problem's task (layout, language, rule, libraries).</param>
    /// <param name="problem">The problem.</param>
    /// <param name="code">The generated code, already extracted from the model's reply.</param>
    /// <param name="variant">Label carried to the verdict (<c>reference</c>, <c>empty</c>, a method name…).</param>
    /// <param name="cancellationToken">Cancels the wait; a started execution ends at its limit.</param>
    /// <exception cref="ExecutionRequestException">The sandbox refused the request (unknown language, payload too large…).</exception>
    public async Task<EvorBenchVerdict> ScoreAsync(EvorBenchTask task, EvorBenchProblem problem, string code, string variant, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(code);
        var start = timeProvider.GetTimestamp();
        var verdict = task.Layout == EvorBenchLayout.Python
            ? await ScorePythonAsync(task, problem, code, cancellationToken)
            : await ScoreStdioAsync(task, problem, code, cancellationToken);
        return verdict with { Task = task.Name, ProblemId = problem.Id, Variant = variant, ElapsedMs = timeProvider.GetElapsedTime(start).TotalMilliseconds };
    }

    /// <summary>Scores many (problem, code) pairs, at most <paramref name="maxParallelism"/> at once; results in input order.</summary>
    public async Task<IReadOnlyList<EvorBenchVerdict>> ScoreAllAsync(
        EvorBenchTask task, IReadOnlyList<(EvorBenchProblem Problem, string Code, string Variant)> items, int maxParallelism, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxParallelism, 1);
        var verdicts = new EvorBenchVerdict[items.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, items.Count),
            new ParallelOptions { MaxDegreeOfParallelism = maxParallelism, CancellationToken = cancellationToken },
            async (i, ct) => verdicts[i] = await ScoreAsync(task, items[i].Problem, items[i].Code, items[i].Variant, ct));
        return verdicts;
    }

    /// <summary>The one sandbox request that scores a Python-layout problem; the driver reads <paramref name="nonce"/>
    /// from its stdin.</summary>
    public ExecutionRequest BuildPythonRequest(EvorBenchTask task, EvorBenchProblem problem, string code, string nonce)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(problem);
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["test_code.py"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(problem.TestCode ?? "")),
        };
        foreach (var c in problem.Cases)
        {
            files[$"input/input{c.Number}.pkl"] = Convert.ToBase64String(c.Input);
            files[$"ans/ans{c.Number}.pkl"] = Convert.ToBase64String(c.Answer);
        }

        var payload = new Dictionary<string, object>
        {
            ["files"] = files,
            ["libraries"] = LibraryFiles(task.Libraries),
            ["program"] = problem.Fill(code),
            ["code"] = code,
            ["testCodeText"] = problem.TestCode ?? "",
            ["cases"] = problem.Cases.Select(c => c.Number).ToArray(),
            ["caseTimeout"] = Options.CaseTimeoutSeconds,
        };
        var encoded = Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(payload));
        return new ExecutionRequest
        {
            Language = "python",
            Code = $"PAYLOAD = '{encoded}'\n{Driver.Value}",
            Stdin = nonce + "\n",
            Limits = new ExecutionLimitsOverride
            {
                TimeoutMs = Options.ProblemTimeoutMs,
                MemoryMb = Options.MemoryMb,
                ScratchMb = Options.ScratchMb,
                OutputBytes = 1024 * 1024,
            },
        };
    }

    private async Task<EvorBenchVerdict> ScorePythonAsync(EvorBenchTask task, EvorBenchProblem problem, string code, CancellationToken cancellationToken)
    {
        var nonce = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var result = await ExecuteAsync(executor, BuildPythonRequest(task, problem, code, nonce), cancellationToken);
        return Interpret(result, nonce);
    }

    /// <summary>Maps the driver's output to a verdict: the summary line when there is one, else the sandbox's verdict.</summary>
    internal static EvorBenchVerdict Interpret(ExecutionResult result, string nonce)
    {
        ArgumentNullException.ThrowIfNull(result);
        JsonElement? summary = null;
        JsonElement? failedRun = null;
        var prefix = LinePrefix + nonce + ":";
        foreach (var line in result.Stdout.Split('\n'))
        {
            if (!line.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }

            JsonElement e;
            try
            {
                e = JsonDocument.Parse(line[prefix.Length..]).RootElement.Clone();
            }
            catch (JsonException)
            {
                continue;
            }

            var kind = e.TryGetProperty("event", out var k) ? k.GetString() : null;
            if (kind == "summary")
            {
                summary ??= e; // the driver's first summary counts; it prints exactly one
            }
            else if (kind == "run" && failedRun is null && e.TryGetProperty("exitCode", out var rc) && rc.ValueKind == JsonValueKind.Number && rc.GetInt32() != 0)
            {
                failedRun = e;
            }
        }

        if (summary is not { } s)
        {
            var verdict = result.Verdict == EvoR.Sandbox.Verdict.Passed ? EvoR.Sandbox.Verdict.Failed : result.Verdict;
            return Make(verdict, false, null, $"the scoring driver printed no verdict ({result.Verdict}: {result.Message ?? Tail(result.Stderr)})", result);
        }

        if (s.GetProperty("passed").GetBoolean())
        {
            return Make(EvoR.Sandbox.Verdict.Passed, true, null, null, result);
        }

        var syntaxCorrect = s.GetProperty("syntaxCorrect").GetBoolean();
        int? first = s.TryGetProperty("firstFailingCase", out var f) && f.ValueKind == JsonValueKind.Number ? f.GetInt32() : null;
        var reason = s.TryGetProperty("reason", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
        if (failedRun is { } run)
        {
            var runCase = run.GetProperty("case").GetInt32();
            reason = $"{reason}; case {runCase} exited {run.GetProperty("exitCode").GetInt32()}: {Tail(run.GetProperty("stderr").GetString() ?? "")}";
        }

        var v = syntaxCorrect ? EvoR.Sandbox.Verdict.Failed
            : s.GetProperty("timedOut").GetBoolean() ? EvoR.Sandbox.Verdict.TimeLimitExceeded
            : EvoR.Sandbox.Verdict.RuntimeError;
        return Make(v, syntaxCorrect, first, reason, result);
    }

    private async Task<EvorBenchVerdict> ScoreStdioAsync(EvorBenchTask task, EvorBenchProblem problem, string code, CancellationToken cancellationToken)
    {
        // One sample's cases are one trust scope: the backend may run them in one sandbox, verified clean between cases.
        await using var sample = executor.OpenScope();
        var program = problem.Fill(code);
        var results = new List<ExecutionResult>();
        foreach (var c in problem.Cases)
        {
            var result = await ExecuteAsync(sample, new ExecutionRequest
            {
                Language = task.Language,
                Code = program,
                Stdin = c.InputText,
                Limits = new ExecutionLimitsOverride { TimeoutMs = Options.StdioCaseTimeoutMs, MemoryMb = Math.Min(Options.MemoryMb, 512) },
            }, cancellationToken);
            results.Add(result);
            if (result.Verdict != EvoR.Sandbox.Verdict.Passed)
            {
                return new EvorBenchVerdict("", "", "", result.Verdict, false, c.Number,
                    $"case {c.Number}: {result.Verdict} ({result.Message}) {Tail(result.CompileOutput is { Length: > 0 } compile ? compile : result.Stderr)}".TrimEnd(), results, 0);
            }

            if (!AnswerComparer.Matches(task.ComparisonRule, c.AnswerText, result.Stdout, Options.ReleasedQuirks))
            {
                return new EvorBenchVerdict("", "", "", EvoR.Sandbox.Verdict.Failed, true, c.Number,
                    $"case {c.Number}: expected {Quote(c.AnswerText)}, got {Quote(result.Stdout)} ({task.ComparisonRule} rule)", results, 0);
            }
        }

        return new EvorBenchVerdict("", "", "", EvoR.Sandbox.Verdict.Passed, true, null, null, results, 0);
    }

    private async Task<ExecutionResult> ExecuteAsync(ICodeExecutor through, ExecutionRequest request, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await through.ExecuteAsync(request, cancellationToken);
            }
            catch (SandboxBusyException ex) when (attempt < MaxBusyRetries)
            {
                // Nothing ran, so offering it again is not a retried execution.
                await Task.Delay(ex.RetryAfter > TimeSpan.Zero ? ex.RetryAfter : TimeSpan.FromMilliseconds(100), timeProvider, cancellationToken);
            }
        }
    }

    /// <summary>Every <c>.py</c> file of each library (a package folder keeps its name; a single module file its file
    /// name), keyed by its path under the sandbox's <c>PYTHONPATH</c> root.</summary>
    internal static SortedDictionary<string, string> LibraryFiles(IReadOnlyList<string> libraries)
    {
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var library in libraries)
        {
            if (File.Exists(library))
            {
                files[Path.GetFileName(library)] = Convert.ToBase64String(File.ReadAllBytes(library));
                continue;
            }

            var name = Path.GetFileName(Path.TrimEndingDirectorySeparator(library));
            foreach (var file in Directory.EnumerateFiles(library, "*.py", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                var relative = Path.GetRelativePath(library, file).Replace(Path.DirectorySeparatorChar, '/');
                if (!relative.Contains("__pycache__", StringComparison.Ordinal))
                {
                    files[name + "/" + relative] = Convert.ToBase64String(File.ReadAllBytes(file));
                }
            }
        }

        return files;
    }

    private static EvorBenchVerdict Make(Verdict verdict, bool syntaxCorrect, int? first, string? reason, ExecutionResult result) =>
        new("", "", "", verdict, syntaxCorrect, first, reason, [result], 0);

    private static string Tail(string text) => text.Length <= 400 ? text.Trim() : "…" + text[^400..].Trim();

    private static string Quote(string text) => JsonSerializer.Serialize(text.Length <= 200 ? text : text[..200] + "…");
}
