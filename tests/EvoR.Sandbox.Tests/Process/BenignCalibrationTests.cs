using EvoR.Sandbox.Tests.Support;

namespace EvoR.Sandbox.Tests.Process;

/// <summary>Tight limits must not fail honest programs (the benign calibration set of SANDBOX-THREATS.md).</summary>
/// <remarks>Run per backend by a derived class: <see cref="BenignCalibrationTests"/> (process) and
/// <c>Docker.DockerBenignCalibrationTests</c>.</remarks>
public abstract class BenignCalibrationSuite(SandboxFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task NumpyAndScipy_DefaultLimits_Pass()
    {
        var result = await RunAsync("python", """
            import numpy, scipy, scipy.linalg
            a = numpy.arange(9.0).reshape(3, 3) + numpy.eye(3)
            print(round(float(scipy.linalg.det(a)), 6))
            """);
        Assert.Equal("-5.0", result.Stdout.Trim());
    }

    [Fact]
    public async Task FourThreads_Pass()
    {
        var result = await RunAsync("python", """
            import threading
            out = []
            threads = [threading.Thread(target=lambda i=i: out.append(sum(range(i * 100000)))) for i in range(4)]
            for t in threads: t.start()
            for t in threads: t.join()
            print(len(out))
            """);
        Assert.Equal("4", result.Stdout.Trim());
    }

    [Fact]
    public async Task OutputOfCapMinusOneBytes_PassesUntruncated()
    {
        fixture.SkipIfUnavailable();
        var cap = fixture.Executor.Validate(new ExecutionRequest { Language = "python", Code = "" }).Limits.OutputBytes;
        var result = await RunAsync("python", $"import sys\nsys.stdout.write('z' * {cap - 1})\n");
        Assert.False(result.Truncated);
        Assert.Equal(cap - 1, result.Stdout.Length);
    }

    [Theory]
    [InlineData("nim", "import strutils\nlet n = stdin.readLine().parseInt\necho n * 2\n")]
    [InlineData("c", "#include <stdio.h>\nint main(void) { int n; if (scanf(\"%d\", &n) != 1) return 1; printf(\"%d\\n\", n * 2); return 0; }\n")]
    [InlineData("lua", "local n = io.read('n')\nprint(math.floor(n * 2))\n")]
    [InlineData("python", "print(int(input()) * 2)\n")]
    public async Task EveryLanguage_CompilesWhereNeededAndRuns(string language, string code)
    {
        if (language is "nim" or "c")
        {
            fixture.SkipIfKnownGap("compile");
        }

        var result = await RunAsync(language, code, stdin: "21\n");
        Assert.Equal("42", result.Stdout.Trim());
    }

    [Fact]
    public async Task CompiledPrograms_InParallelWithWarmPoolRefills_AllRun()
    {
        // Regression: a fork during the artifact write left a write handle open in a child, and exec failed (ETXTBSY).
        fixture.SkipIfUnavailable();
        fixture.SkipIfKnownGap("compile");
        var runs = Enumerable.Range(0, 8).Select(i => fixture.Executor.ExecuteAsync(new ExecutionRequest
        {
            Language = "c",
            Code = $"#include <stdio.h>\nint main(void) {{ printf(\"%d\\n\", {i} * 3); return 0; }}\n",
        }, Ct));
        var results = await Task.WhenAll(runs);
        for (var i = 0; i < results.Length; i++)
        {
            Assert.True(results[i].Verdict == Verdict.Passed, $"run {i}: {results[i].Verdict} {results[i].Message} {results[i].Stderr}");
            Assert.Equal((i * 3).ToString(System.Globalization.CultureInfo.InvariantCulture), results[i].Stdout.Trim());
        }
    }

    private async Task<ExecutionResult> RunAsync(string language, string code, string? stdin = null)
    {
        fixture.SkipIfUnavailable();
        var result = await fixture.Executor.ExecuteAsync(new ExecutionRequest { Language = language, Code = code, Stdin = stdin }, Ct);
        Assert.True(result.Verdict == Verdict.Passed, $"{result.Verdict}: {result.Message}\n{result.Stderr}\n{result.CompileOutput}");
        return result;
    }
}

/// <summary>The benign calibration set on the process (bubblewrap) backend.</summary>
[Collection(SandboxCollection.Name)]
public sealed class BenignCalibrationTests(SandboxFixture fixture) : BenignCalibrationSuite(fixture);
