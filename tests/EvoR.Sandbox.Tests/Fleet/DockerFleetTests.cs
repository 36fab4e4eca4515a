using EvoR.Sandbox.Execution;
using EvoR.Sandbox.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace EvoR.Sandbox.Tests.Fleet;

/// <summary>Two real Docker engines under one fleet (<see cref="DockerFleetEngines"/>): verdicts do not depend on the
/// engine, and runs spread over both.</summary>
[Collection(DockerSandboxCollection.Name)]
public sealed class DockerFleetTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly ExecutionLimitsOverride Short = new() { TimeoutMs = 2000 };

    /// <summary>One program per verdict a program can earn, and the verdict it earns.</summary>
    private static readonly (string Name, string Code, Verdict Expected)[] Programs =
    [
        ("passed", "print('hello')", Verdict.Passed),
        ("exit-status", "import sys; sys.exit(3)", Verdict.RuntimeError),
        ("exception", "raise ValueError('no')", Verdict.RuntimeError),
        ("timeout", "while True: pass", Verdict.TimeLimitExceeded),
        ("memory", "x = bytearray(1024 * 1024 * 1024)", Verdict.MemoryLimitExceeded),
        ("output", "import sys\nwhile True: sys.stdout.write('x' * 65536)", Verdict.OutputLimitExceeded),
        ("script-pass", "def add(a, b): return a + b\n#TESTS:assert add(1, 2) == 3", Verdict.Passed),
        ("script-fail", "def add(a, b): return a - b\n#TESTS:assert add(1, 2) == 3", Verdict.Failed),
        ("io", "print(int(input()) * 2)\n#IO:2=4;5=11", Verdict.Failed),
        ("c-compile-error", "#C:int main(void) { return undefined_name; }", Verdict.CompileError),
        ("c-runs", "#C:#include <stdio.h>\nint main(void) { puts(\"hi\"); return 0; }", Verdict.Passed),
    ];

    [Fact]
    public async Task Execute_SamePrograms_SameVerdictsOnBothEngines()
    {
        await using var engines = await DockerFleetEngines.StartAsync();
        var onEach = engines.Fleet.Backends
            .Select(b => ActivatorUtilities.CreateInstance<CodeExecutor>(engines.Services, b))
            .ToList();

        foreach (var (name, code, expected) in Programs)
        {
            var request = Request(code);
            var results = new List<ExecutionResult>();
            foreach (var executor in onEach)
            {
                results.Add(await executor.ExecuteAsync(request, Ct));
            }

            Assert.All(results, r => Assert.True(r.Verdict == expected, $"{name}: {r.Verdict} ({r.Message}), expected {expected}"));
            Assert.Equal(results[0].Stdout.Length > 1000 ? results[0].Stdout.Length : -1, results[1].Stdout.Length > 1000 ? results[1].Stdout.Length : -1);
            if (expected is not Verdict.OutputLimitExceeded)
            {
                Assert.Equal(results[0].Stdout, results[1].Stdout);
                Assert.Equal(results[0].ExitCode, results[1].ExitCode);
            }
        }

        foreach (var executor in onEach)
        {
            executor.Dispose();
        }
    }

    [Fact]
    public async Task Execute_ThroughTheFleet_RunsSpreadOverBothEnginesWithTheSameVerdicts()
    {
        await using var engines = await DockerFleetEngines.StartAsync();
        var executor = engines.Services.GetRequiredService<CodeExecutor>();

        var results = await Task.WhenAll(Enumerable.Range(0, 12).Select(i =>
            executor.ExecuteAsync(Request(i % 2 == 0 ? $"print({i})" : "import sys; sys.exit(3)"), Ct)));

        for (var i = 0; i < results.Length; i++)
        {
            Assert.Equal(i % 2 == 0 ? Verdict.Passed : Verdict.RuntimeError, results[i].Verdict);
        }

        var health = engines.Fleet.Engines;
        Assert.Equal(engines.Endpoints, health.Select(e => e.Endpoint));
        Assert.All(health, e =>
        {
            Assert.True(e.Runs >= 3, $"{e.Endpoint} ran {e.Runs} of 12 (plus the start-up probe)");
            Assert.Equal("closed", e.State);
            Assert.Equal(0, e.Failures);
            Assert.Equal(0, e.InFlight);
        });
    }

    /// <summary>A request from the table's shorthand: <c>#TESTS:</c> script tests, <c>#IO:in=out;…</c> io cases, <c>#C:</c> C.</summary>
    private static ExecutionRequest Request(string code)
    {
        if (code.StartsWith("#C:", StringComparison.Ordinal))
        {
            return new ExecutionRequest { Language = "c", Code = code[3..], Limits = Short };
        }

        var tests = code.Split("\n#TESTS:");
        if (tests.Length == 2)
        {
            return new ExecutionRequest { Language = "python", Code = tests[0], Tests = new ScriptTests { Code = tests[1] }, Limits = Short };
        }

        var io = code.Split("\n#IO:");
        if (io.Length == 2)
        {
            var cases = io[1].Split(';').Select(c => c.Split('=')).Select(c => new IoCase { Stdin = c[0] + "\n", ExpectedStdout = c[1] + "\n" }).ToList();
            return new ExecutionRequest { Language = "python", Code = io[0], Tests = new IoTests { Cases = cases }, Limits = Short };
        }

        return new ExecutionRequest { Language = "python", Code = code, Limits = Short };
    }
}
