using System.Text;
using System.Text.Json;
using EvoR.Bench.Datasets.EvorBench;
using EvoR.Sandbox;

namespace EvoR.Bench.Tests.Datasets.EvorBench;

/// <summary>The scorer's host side without a sandbox: the request it builds and how it reads the driver's lines.</summary>
public sealed class EvorBenchScorerTests
{
    private static ExecutionResult Result(string stdout, Verdict verdict = Verdict.Passed) => new()
    {
        Verdict = verdict,
        Stdout = stdout,
        Limits = new ExecutionLimits(),
        Backend = "test",
        Language = "python",
    };

    private static string Line(string nonce, object e) => $"\nevor-bench:{nonce}:{JsonSerializer.Serialize(e)}\n";

    [Fact]
    public void BuildPythonRequest_CarriesFilesProgramAndNonceOnStdin()
    {
        var task = EvorBenchLoader.LoadTask(EvorBenchFixtures.Task("ScipyM"));
        var problem = task.Problems[0];
        var scorer = new EvorBenchScorer(new NullExecutor(), TimeProvider.System);

        var request = scorer.BuildPythonRequest(task, problem, "result = a * 2", "abc123");

        Assert.Equal("python", request.Language);
        Assert.Equal("abc123\n", request.Stdin);
        Assert.DoesNotContain("abc123", request.Code, StringComparison.Ordinal); // the nonce is not in the driver's source
        var payloadLine = request.Code.Split('\n')[0];
        Assert.StartsWith("PAYLOAD = '", payloadLine, StringComparison.Ordinal);
        using var payload = JsonDocument.Parse(Convert.FromBase64String(payloadLine["PAYLOAD = '".Length..^1]));
        var files = payload.RootElement.GetProperty("files");
        Assert.Equal(["ans/ans1.pkl", "ans/ans2.pkl", "input/input1.pkl", "input/input2.pkl", "test_code.py"], files.EnumerateObject().Select(p => p.Name));
        Assert.Equal(problem.Cases[1].Input, Convert.FromBase64String(files.GetProperty("input/input2.pkl").GetString()!));
        Assert.Equal(problem.Fill("result = a * 2"), payload.RootElement.GetProperty("program").GetString());
        Assert.Equal([1, 2], payload.RootElement.GetProperty("cases").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(60_000, request.Limits!.TimeoutMs);
    }

    [Fact]
    public void Interpret_SummaryWithAnotherNonce_Ignored()
    {
        var stdout = Line("forged", new { @event = "summary", passed = true, syntaxCorrect = true, timedOut = false, firstFailingCase = (int?)null, reason = (string?)null })
            + Line("real", new { @event = "summary", passed = false, syntaxCorrect = true, timedOut = false, firstFailingCase = 1, reason = "test(result, expected) returned 0" });

        var verdict = EvorBenchScorer.Interpret(Result(stdout), "real");

        Assert.Equal((Verdict.Failed, 1), (verdict.Verdict, verdict.FirstFailingCase));
    }

    [Fact]
    public void Interpret_NoSummary_SandboxVerdictOrFailed()
    {
        Assert.Equal(Verdict.Failed, EvorBenchScorer.Interpret(Result("nothing"), "n").Verdict);
        Assert.Equal(Verdict.MemoryLimitExceeded, EvorBenchScorer.Interpret(Result("", Verdict.MemoryLimitExceeded), "n").Verdict);
    }

    [Fact]
    public void Interpret_RunExitedNonZero_RuntimeErrorWithItsStderr()
    {
        var stdout = Line("n", new { @event = "run", @case = 1, exitCode = 1, timedOut = false, stderr = "NameError: x" })
            + Line("n", new { @event = "summary", passed = false, syntaxCorrect = false, timedOut = false, firstFailingCase = 1, reason = "result/result_1.pkl was not written" });

        var verdict = EvorBenchScorer.Interpret(Result(stdout), "n");

        Assert.Equal(Verdict.RuntimeError, verdict.Verdict);
        Assert.False(verdict.SyntaxCorrect);
        Assert.Contains("NameError: x", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void LibraryFiles_PackageFolderKeepsItsNameAndSkipsCaches()
    {
        var dir = Directory.CreateTempSubdirectory("evor-lib-");
        try
        {
            var pkg = Directory.CreateDirectory(Path.Combine(dir.FullName, "pkg", "__pycache__")).Parent!.FullName;
            File.WriteAllText(Path.Combine(pkg, "__init__.py"), "x = 1\n");
            File.WriteAllText(Path.Combine(pkg, "__pycache__", "junk.py"), "");
            File.WriteAllText(Path.Combine(pkg, "README.md"), "");

            var files = EvorBenchScorer.LibraryFiles([pkg]);

            Assert.Equal(["pkg/__init__.py"], files.Keys);
            Assert.Equal("x = 1\n", Encoding.UTF8.GetString(Convert.FromBase64String(files["pkg/__init__.py"])));
        }
        finally
        {
            dir.Delete(true);
        }
    }

    private sealed class NullExecutor : ICodeExecutor
    {
        public string Backend => "null";

        public Task<ExecutionResult> ExecuteAsync(ExecutionRequest request, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();
    }
}
