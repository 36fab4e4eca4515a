using EvoR.Sandbox.Tests.Support;

namespace EvoR.Sandbox.Tests.Execution;

/// <summary>Verdicts, tests and validation through the real sandbox.</summary>
/// <remarks>Run per backend by a derived class: <see cref="CodeExecutorTests"/> (process) and
/// <c>Docker.DockerCodeExecutorTests</c>.</remarks>
public abstract class CodeExecutorSuite(SandboxFixture fixture)
{
    private const string Add = "def add(a, b):\n    return a + b\n";
    private const string Check = "def check(f):\n    assert f(1, 2) == 3\n    assert f(-1, 1) == 0\n\ncheck(add)\n";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string, string, Verdict> ScriptCases => new()
    {
        { "correct", Add, Verdict.Passed },
        { "wrong answer", "def add(a, b):\n    return a - b\n", Verdict.Failed },
        { "raises", "def add(a, b):\n    raise ValueError('no')\n", Verdict.RuntimeError },
        { "exits 0 before the tests", "import sys\nsys.exit(0)\n" + Add, Verdict.Failed },
        { "fakes exit code 0 from inside the tests", "import os\ndef add(a, b):\n    os._exit(0)\n", Verdict.Failed },
        { "kills the harness", "import os, signal\ndef add(a, b):\n    os.kill(os.getpid(), signal.SIGKILL)\n", Verdict.RuntimeError },
        { "prints a fake sentinel", "print('EVOR-TESTS-COMPLETE-0000')\nimport os\nos._exit(0)\n" + Add, Verdict.Failed },
        { "syntax error", "def add(a, b)\n    return a + b\n", Verdict.RuntimeError },
    };

    [Theory]
    [MemberData(nameof(ScriptCases))]
    public async Task ScriptTests_Program_GetsExpectedVerdict(string name, string code, Verdict expected)
    {
        fixture.SkipIfUnavailable();
        var result = await fixture.Executor.ExecuteAsync(new ExecutionRequest
        {
            Language = "python",
            Code = code,
            Tests = new ScriptTests { Code = Check },
        }, Ct);
        Assert.True(expected == result.Verdict, $"{name}: expected {expected}, got {result.Verdict} ({result.Message}) {result.Stderr}");
        Assert.DoesNotContain("EVOR-TESTS-COMPLETE-", result.Stdout.Replace("EVOR-TESTS-COMPLETE-0000", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("lua", "function add(a, b) return a + b end", "assert(add(1, 2) == 3)", Verdict.Passed)]
    [InlineData("lua", "function add(a, b) return a - b end", "assert(add(1, 2) == 3)", Verdict.Failed)]
    [InlineData("nim", "proc add(a, b: int): int = a + b", "doAssert add(1, 2) == 3", Verdict.Passed)]
    [InlineData("nim", "proc add(a, b: int): int = a - b", "doAssert add(1, 2) == 3", Verdict.Failed)]
    public async Task ScriptTests_OtherLanguages_GetExpectedVerdict(string language, string code, string tests, Verdict expected)
    {
        fixture.SkipIfUnavailable();
        var result = await fixture.Executor.ExecuteAsync(new ExecutionRequest
        {
            Language = language,
            Code = code,
            Tests = new ScriptTests { Code = tests },
        }, Ct);
        Assert.True(expected == result.Verdict, $"expected {expected}, got {result.Verdict} ({result.Message}) {result.Stderr} {result.CompileOutput}");
    }

    [Fact]
    public async Task IoTests_EveryCaseReported_FirstFailureDecides()
    {
        fixture.SkipIfUnavailable();
        var result = await fixture.Executor.ExecuteAsync(new ExecutionRequest
        {
            Language = "python",
            Code = "a, b = map(float, input().split())\nprint(a / b)\n",
            Tests = new IoTests
            {
                NumericTolerance = 1e-6,
                Cases =
                [
                    new IoCase { Stdin = "1 3\n", ExpectedStdout = "0.333333333" },
                    new IoCase { Stdin = "1 0\n", ExpectedStdout = "inf" },
                    new IoCase { Stdin = "4 2\n", ExpectedStdout = "3" },
                    new IoCase { Stdin = "9 3\n", ExpectedStdout = "3.0\n\n" },
                ],
            },
        }, Ct);

        Assert.Equal(4, result.Cases.Count);
        Assert.Equal([Verdict.Passed, Verdict.RuntimeError, Verdict.Failed, Verdict.Passed], result.Cases.Select(c => c.Verdict));
        Assert.Equal(Verdict.RuntimeError, result.Verdict);
        Assert.Contains("ZeroDivisionError", result.Cases[1].Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CompileError_IsCompileErrorWithCompilerOutput()
    {
        fixture.SkipIfUnavailable();
        var result = await fixture.Executor.ExecuteAsync(new ExecutionRequest { Language = "c", Code = "int main(void) { return undefined_name; }" }, Ct);
        Assert.Equal(Verdict.CompileError, result.Verdict);
        Assert.Contains("undefined_name", result.CompileOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Result_EchoesAppliedLimitsAndBackend()
    {
        fixture.SkipIfUnavailable();
        var result = await fixture.Executor.ExecuteAsync(new ExecutionRequest
        {
            Language = "py",
            Code = "print(1)",
            Limits = new ExecutionLimitsOverride { TimeoutMs = 3000, MemoryMb = 200 },
        }, Ct);
        Assert.Equal(fixture.Backend, result.Backend);
        Assert.Equal("python", result.Language);
        Assert.Equal(3000, result.Limits.TimeoutMs);
        Assert.Equal(200, result.Limits.MemoryMb);
        Assert.Equal(65536, result.Limits.OutputBytes);
    }

    public static TheoryData<string, ExecutionRequest, RequestErrorKind, string> InvalidRequests => new()
    {
        { "unknown language", new ExecutionRequest { Language = "cobol-2099", Code = "x" }, RequestErrorKind.UnknownLanguage, "language" },
        { "timeout too high", new ExecutionRequest { Language = "python", Code = "x", Limits = new() { TimeoutMs = 10_000_000 } }, RequestErrorKind.LimitOutOfRange, "limits.timeoutMs" },
        { "memory too low", new ExecutionRequest { Language = "python", Code = "x", Limits = new() { MemoryMb = 1 } }, RequestErrorKind.LimitOutOfRange, "limits.memoryMb" },
        { "code too large", new ExecutionRequest { Language = "python", Code = new string('#', 300 * 1024) }, RequestErrorKind.PayloadTooLarge, "code" },
        { "stdin too large", new ExecutionRequest { Language = "python", Code = "x", Stdin = new string('1', 2 * 1024 * 1024) }, RequestErrorKind.PayloadTooLarge, "stdin" },
        { "script tests in c", new ExecutionRequest { Language = "c", Code = "x", Tests = new ScriptTests { Code = "y" } }, RequestErrorKind.UnsupportedTests, "tests.kind" },
        { "no io cases", new ExecutionRequest { Language = "python", Code = "x", Tests = new IoTests { Cases = [] } }, RequestErrorKind.InvalidRequest, "tests.cases" },
    };

    [Fact]
    public async Task Scope_ScriptTestsInOneScope_GetTheVerdictsOfSeparateRuns()
    {
        fixture.SkipIfUnavailable();
        // The same trust scope for every case: whatever a backend reuses between them, each verdict is the case's own.
        await using var scope = fixture.Executor.OpenScope();
        foreach (var (name, code, expected) in ScriptCases.Select(row => row.Data))
        {
            var result = await scope.ExecuteAsync(new ExecutionRequest { Language = "python", Code = code, Tests = new ScriptTests { Code = Check } }, Ct);
            Assert.True(expected == result.Verdict, $"{name}: expected {expected}, got {result.Verdict} ({result.Message}) {result.Stderr}");
        }
    }

    [Theory]
    [MemberData(nameof(InvalidRequests))]
    public async Task Execute_InvalidRequest_ThrowsWithKindAndField(string name, ExecutionRequest request, RequestErrorKind kind, string field)
    {
        var e = await Assert.ThrowsAsync<ExecutionRequestException>(() => fixture.Executor.ExecuteAsync(request, Ct));
        Assert.True(kind == e.Kind, name);
        Assert.Equal(field, e.Field);
    }
}

/// <summary>Verdicts, tests and validation on the process (bubblewrap) backend.</summary>
[Collection(SandboxCollection.Name)]
public sealed class CodeExecutorTests(SandboxFixture fixture) : CodeExecutorSuite(fixture);
