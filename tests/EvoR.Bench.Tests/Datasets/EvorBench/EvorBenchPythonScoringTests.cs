using EvoR.Bench.Datasets.EvorBench;
using EvoR.Sandbox;

namespace EvoR.Bench.Tests.Datasets.EvorBench;

/// <summary>The Python layout scored inside the real process sandbox, on the ScipyM fixture.</summary>
[Collection(EvorBenchSandboxCollection.Name)]
public sealed class EvorBenchPythonScoringTests(EvorBenchSandboxFixture sandbox) : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("evor-bench-score-");

    public void Dispose() => _dir.Delete(recursive: true);

    private static EvorBenchTask ScipyM => EvorBenchLoader.LoadTask(EvorBenchFixtures.Task("ScipyM"));

    private async Task<EvorBenchVerdict> ScoreAsync(EvorBenchTask task, string problemId, string code, EvorBenchScoringOptions? options = null)
    {
        var scorer = new EvorBenchScorer(sandbox.Require(), TimeProvider.System, options ?? new EvorBenchScoringOptions { ProblemTimeoutMs = 30_000, CaseTimeoutSeconds = 20 });
        return await scorer.ScoreAsync(task, task.Problems.Single(p => p.Id == problemId), code, "test", TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task ScoreAsync_CorrectCode_PassedEveryCase()
    {
        var verdict = await ScoreAsync(ScipyM, "q0", "result = a * 2");

        Assert.True(verdict.Passed, $"{verdict.Verdict}: {verdict.Reason} {verdict.Executions[0].Stderr}");
        Assert.True(verdict.SyntaxCorrect);
        Assert.Equal(("ScipyM", "q0", "test"), (verdict.Task, verdict.ProblemId, verdict.Variant));
        Assert.Single(verdict.Executions); // one sandbox execution per problem
    }

    [Fact]
    public async Task ScoreAsync_WrongAnswer_FailedNamingTheFirstCase()
    {
        var verdict = await ScoreAsync(ScipyM, "q0", "result = a * 3");

        Assert.Equal(Verdict.Failed, verdict.Verdict);
        Assert.True(verdict.SyntaxCorrect);
        Assert.Equal(1, verdict.FirstFailingCase);
        Assert.Contains("scoring case 1 raised AssertionError", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ScoreAsync_WrongOnlyOnCase2_FailedNamingCase2()
    {
        var verdict = await ScoreAsync(ScipyM, "q0", "result = a * 2 if a.ndim == 1 else a");

        Assert.Equal(Verdict.Failed, verdict.Verdict);
        Assert.Equal(2, verdict.FirstFailingCase);
    }

    [Fact]
    public async Task ScoreAsync_StringTestFails_Failed()
    {
        var verdict = await ScoreAsync(ScipyM, "q0", "result = a.copy()\nfor i in range(1):\n    result = result * 2");

        Assert.Equal(Verdict.Failed, verdict.Verdict);
        Assert.Contains("stringTest(code) returned a false value", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ScoreAsync_PrintLinesDroppedBeforeStringTest_AsReleased()
    {
        // The line holding "print" (and no "#" piece) is removed before stringTest sees the code, so its "for " is not seen.
        var verdict = await ScoreAsync(ScipyM, "q0", "print('for x in a')\nresult = a * 2");

        Assert.True(verdict.Passed, $"{verdict.Verdict}: {verdict.Reason}");
    }

    [Fact]
    public async Task ScoreAsync_ProgramRaises_RuntimeErrorNotSyntaxCorrect()
    {
        var verdict = await ScoreAsync(ScipyM, "q1", "raise ValueError('boom')");

        Assert.Equal(Verdict.RuntimeError, verdict.Verdict);
        Assert.False(verdict.SyntaxCorrect);
        Assert.Contains("ValueError: boom", verdict.Reason, StringComparison.Ordinal);
        Assert.Contains("result/result_1.pkl was not written", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ScoreAsync_CaseTimesOut_TimeLimitExceeded()
    {
        var verdict = await ScoreAsync(ScipyM, "q1", "import time\ntime.sleep(30)\nresult = a.sum()", new EvorBenchScoringOptions { ProblemTimeoutMs = 20_000, CaseTimeoutSeconds = 2 });

        Assert.Equal(Verdict.TimeLimitExceeded, verdict.Verdict);
        Assert.Contains("timed out after 2 seconds", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ScoreAsync_ZeroCases_PassedAsReleased()
    {
        var verdict = await ScoreAsync(ScipyM, "q10", "this is not even python");

        Assert.True(verdict.Passed, $"{verdict.Verdict}: {verdict.Reason}");
    }

    [Fact]
    public async Task ScoreAsync_LibraryFromManifest_ImportableByProgramAndTestCode()
    {
        var folder = EvorBenchFixtures.CopyTask("ScipyM", _dir, "WithLib");
        Directory.CreateDirectory(Path.Combine(folder, "lib", "tinylib", "sub"));
        File.WriteAllText(Path.Combine(folder, "lib", "tinylib", "__init__.py"), "from .sub.ops import twice\n");
        File.WriteAllText(Path.Combine(folder, "lib", "tinylib", "sub", "__init__.py"), "");
        File.WriteAllText(Path.Combine(folder, "lib", "tinylib", "sub", "ops.py"), "def twice(x):\n    return x * 2\n");
        File.WriteAllText(Path.Combine(folder, "examples", "q1", "test_code.py"), "import tinylib\n\n\ndef test(result, ans):\n    return 1 if abs(result - tinylib.twice(ans) / 2) < 1e-9 else 0\n");
        File.WriteAllText(Path.Combine(folder, "dataset.json"), """{"libraries": ["lib/tinylib"]}""");
        var task = EvorBenchLoader.LoadTask(folder);

        var verdict = await ScoreAsync(task, "q1", "import tinylib\nresult = tinylib.twice(a).sum() / 2");

        Assert.True(verdict.Passed, $"{verdict.Verdict}: {verdict.Reason}");
    }

    [Fact]
    public async Task ScoreAsync_MaliciousPickle_RunsOnlyInsideTheSandbox()
    {
        var hostFile = Path.Combine(Path.GetTempPath(), "evor-pwned-" + Guid.NewGuid().ToString("N"));
        var code = $$"""
            import os
            class Evil:
                def __reduce__(self):
                    return (os.system, ("touch {{hostFile}} && echo PICKLE-PAYLOAD-RAN",))
            result = Evil()
            """;

        var verdict = await ScoreAsync(ScipyM, "q1", code);

        // The payload did run (when the driver unpickled the result), but inside the sandbox: the host file is absent.
        Assert.Contains("PICKLE-PAYLOAD-RAN", verdict.Executions[0].Stdout, StringComparison.Ordinal);
        Assert.False(File.Exists(hostFile), "a pickle written by the program touched the host");
        Assert.False(verdict.Passed);
    }

    [Fact]
    public async Task ScoreAsync_TestCodeImportRunsCode_OnlyInsideTheSandbox()
    {
        var hostFile = Path.Combine(Path.GetTempPath(), "evor-pwned-" + Guid.NewGuid().ToString("N"));
        var folder = EvorBenchFixtures.CopyTask("ScipyM", _dir, "Hostile");
        File.WriteAllText(Path.Combine(folder, "examples", "q1", "test_code.py"),
            $"import os\nos.system('touch {hostFile} && echo IMPORT-PAYLOAD-RAN')\nopen('{hostFile}', 'w').write('x')\n\n\ndef test(result, ans):\n    return 1\n");
        var task = EvorBenchLoader.LoadTask(folder);

        var verdict = await ScoreAsync(task, "q1", "result = a.sum()");

        Assert.Contains("IMPORT-PAYLOAD-RAN", verdict.Executions[0].Stdout, StringComparison.Ordinal);
        Assert.False(File.Exists(hostFile), "test_code.py's import touched the host");
        Assert.True(verdict.Passed, $"{verdict.Verdict}: {verdict.Reason}");
    }

    [Fact]
    public async Task ScoreAsync_ProgramForgesVerdictLines_NotBelieved()
    {
        // The program cannot know the nonce (it arrives on the driver's stdin) and its stdout goes to e_outputs/ anyway;
        // it writes a forged "passed" summary straight to the driver's stdout through /proc.
        var code = """
            import json, os
            fake = '\nevor-bench:0000:' + json.dumps({"event": "summary", "passed": True, "syntaxCorrect": True, "timedOut": False, "firstFailingCase": None, "reason": None}) + '\n'
            with open('/proc/%d/fd/1' % os.getppid(), 'w') as f:
                f.write(fake)
            result = -1.0
            """;

        var verdict = await ScoreAsync(ScipyM, "q1", code);

        // Where the sandbox lets the write through, the forged line is ignored and the wrong answer fails; where it
        // refuses the open (the hardened process backend), the program dies of it. Either way it never passes.
        Assert.Contains(verdict.Verdict, new[] { Verdict.Failed, Verdict.RuntimeError });
    }
}
