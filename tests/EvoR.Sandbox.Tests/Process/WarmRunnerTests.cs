using EvoR.Sandbox.Execution;
using EvoR.Sandbox.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace EvoR.Sandbox.Tests.Process;

/// <summary>
/// Python's warm runner (the interpreter started with the sandbox, waiting for the go line) must be indistinguishable
/// from <c>python3 /app/main.py</c> for what a program and its verdict can see: each program below runs with the runner
/// (the default) and without it (<c>WarmRunners=false</c>), and stdout, stderr, exit code and verdict must match.
/// </summary>
[Collection(SandboxCollection.Name)]
public sealed class WarmRunnerTests(SandboxFixture fixture) : IAsyncLifetime
{
    private ServiceProvider? _cold;

    public static TheoryData<string, string> Programs => new()
    {
        { "script globals and stdin", """
            import sys
            print(__name__, __file__, sys.argv, sys.path[0], __doc__, __package__, __spec__, __cached__, type(__loader__).__name__)
            print(sorted(globals()))
            print(repr(sys.stdin.read()))
            """ },
        { "input() lines", "a = input()\nb = input()\nprint(int(a) + int(b))" },
        { "traceback through calls", "def f(x):\n    return 1 / x\n\ndef g():\n    return f(0)\n\nprint('before')\ng()" },
        { "syntax error", "def f(:\n    pass" },
        { "name error", "x = undefined_name" },
        { "assertion", "assert 1 == 2, 'nope'" },
        { "chained exception", "try:\n    1 / 0\nexcept Exception as e:\n    raise ValueError('wrapped') from e" },
        { "recursion depth", "def r(n):\n    return r(n + 1)\n\nr(0)" },
        { "sys.exit code", "import sys\nprint('a')\nsys.exit(3)" },
        { "sys.exit message", "import sys\nsys.exit('bye message')" },
        { "SystemExit(None)", "raise SystemExit(None)" },
        { "os._exit", "import os\nprint('hi', flush=True)\nos._exit(5)" },
        { "atexit and unflushed output", "import atexit\natexit.register(lambda: print('atexit ran'))\nprint('x', end='')" },
        { "exception in a thread", "import threading\ndef w():\n    raise ValueError('in thread')\nt = threading.Thread(target=w)\nt.start()\nt.join()\nprint('done')" },
        { "pickle and inspect of __main__", "import inspect, pickle\nclass A:\n    pass\nprint(len(pickle.dumps(A())) > 0)\ndef h():\n    pass\nprint(inspect.getsource(h))" },
        { "warning", "import warnings\nwarnings.warn('careful')\nprint(1)" },
        { "KeyboardInterrupt", "raise KeyboardInterrupt" },
    };

    public ValueTask InitializeAsync()
    {
        _cold = SandboxFixture.Build(new Dictionary<string, string?>
        {
            ["Sandbox:MaxConcurrency"] = "2",
            ["Sandbox:Process:WarmRunners"] = "false",
        });
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => _cold?.DisposeAsync() ?? ValueTask.CompletedTask;

    [Theory]
    [MemberData(nameof(Programs))]
    public async Task Program_SameOutcomeWithAndWithoutWarmRunner(string name, string code)
    {
        fixture.SkipIfUnavailable();
        var request = new ExecutionRequest { Language = "python", Code = code, Stdin = "40\n2\n" };
        var ct = TestContext.Current.CancellationToken;
        var warm = await fixture.Executor.ExecuteAsync(request, ct);
        var cold = await _cold!.GetRequiredService<CodeExecutor>().ExecuteAsync(request, ct);

        Assert.True(warm.Verdict != Verdict.SandboxError, $"{name}: {warm.Message}");
        Assert.Equal(cold.Stdout, warm.Stdout);
        Assert.Equal(cold.Stderr, warm.Stderr);
        Assert.Equal(cold.ExitCode, warm.ExitCode);
        Assert.Equal(cold.Verdict, warm.Verdict);
    }

    [Fact]
    public async Task Runner_IsWhatRunsByDefault_AndOffWhenDisabled()
    {
        // The comparison above is only worth something if the two sides differ in how they start: the runner is the
        // interpreter started with -c, the plain run the interpreter started on the file.
        fixture.SkipIfUnavailable();
        var request = new ExecutionRequest { Language = "python", Code = "import sys\nprint('-c' in sys.orig_argv)" };
        var ct = TestContext.Current.CancellationToken;
        var warm = await fixture.Executor.ExecuteAsync(request, ct);
        var cold = await _cold!.GetRequiredService<CodeExecutor>().ExecuteAsync(request, ct);

        Assert.Equal("True\n", warm.Stdout);
        Assert.Equal("False\n", cold.Stdout);
    }

    [Fact]
    public async Task Runner_ScriptTests_SentinelStillProvesCompletion()
    {
        fixture.SkipIfUnavailable();
        var ct = TestContext.Current.CancellationToken;
        var passing = await fixture.Executor.ExecuteAsync(new ExecutionRequest
        {
            Language = "python",
            Code = "def add(a, b):\n    return a + b",
            Tests = new ScriptTests { Code = "assert add(1, 2) == 3" },
        }, ct);
        var exitsEarly = await fixture.Executor.ExecuteAsync(new ExecutionRequest
        {
            Language = "python",
            Code = "import sys\ndef add(a, b):\n    sys.exit(0)",
            Tests = new ScriptTests { Code = "assert add(1, 2) == 3" },
        }, ct);

        Assert.Equal(Verdict.Passed, passing.Verdict);
        Assert.NotEqual(Verdict.Passed, exitsEarly.Verdict);
    }
}
