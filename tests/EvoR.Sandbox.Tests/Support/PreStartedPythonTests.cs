using EvoR.Sandbox.Execution;
using Microsoft.Extensions.DependencyInjection;

namespace EvoR.Sandbox.Tests.Support;

/// <summary>
/// A Python interpreter started ahead of the run (the process backend's warm runner, the Docker backend's Python gate)
/// must be indistinguishable from <c>python3 /app/main.py</c> started for the run, for what a program and its verdict can
/// see: each program below runs on the fixture's backend as configured (the pre-started interpreter, the default) and
/// with <paramref name="disabledBy"/> set to false, and stdout, stderr, exit code and verdict must match.
/// </summary>
public abstract class PreStartedPythonTests(SandboxFixture fixture, string disabledBy) : IAsyncLifetime
{
    private ServiceProvider? _plain;

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
        { "__del__ at interpreter exit", "class A:\n    def __del__(self):\n        print('del ran')\na = A()\nprint('end')" },
        { "exception in a thread", "import threading\ndef w():\n    raise ValueError('in thread')\nt = threading.Thread(target=w)\nt.start()\nt.join()\nprint('done')" },
        { "pickle and inspect of __main__", "import inspect, pickle\nclass A:\n    pass\nprint(len(pickle.dumps(A())) > 0)\ndef h():\n    pass\nprint(inspect.getsource(h))" },
        { "warning", "import warnings\nwarnings.warn('careful')\nprint(1)" },
        { "KeyboardInterrupt", "raise KeyboardInterrupt" },
        { "killed by a signal", "import os, signal\nprint('x', flush=True)\nos.kill(os.getpid(), signal.SIGTERM)" },
        { "process, session and signal setup", """
            import os, signal, sys
            print(os.getsid(0), os.getuid(), os.getcwd(), oct(os.umask(0o22)))
            print(signal.getsignal(signal.SIGINT).__name__, signal.getsignal(signal.SIGPIPE), signal.getsignal(signal.SIGTERM))
            print(sorted(os.environ), sorted(os.listdir('/app')), oct(os.stat('/app').st_mode), oct(os.stat(__file__).st_mode))
            print(sorted(m for m in sys.modules if not m.startswith('encodings.')))
            """ },
        { "fork and wait", "import os\npid = os.fork()\nif pid == 0:\n    print('child')\n    os._exit(7)\nprint('parent', os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))" },
        { "multiprocessing spawn", """
            import multiprocessing as mp
            def sq(x):
                return x * x
            if __name__ == "__main__":
                with mp.get_context("spawn").Pool(2) as p:
                    print(p.map(sq, [1, 2, 3]))
            """ },
    };

    public ValueTask InitializeAsync()
    {
        _plain = SandboxFixture.Build(new Dictionary<string, string?>
        {
            ["Sandbox:Backend"] = fixture.Backend,
            ["Sandbox:MaxConcurrency"] = "2",
            [disabledBy] = "false",
        });
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return _plain?.DisposeAsync() ?? ValueTask.CompletedTask;
    }

    [Theory]
    [MemberData(nameof(Programs))]
    public async Task Program_SameOutcomeAsAPlainStart(string name, string code)
    {
        fixture.SkipIfUnavailable();
        var request = new ExecutionRequest { Language = "python", Code = code, Stdin = "40\n2\n" };
        var ct = TestContext.Current.CancellationToken;
        var preStarted = await fixture.Executor.ExecuteAsync(request, ct);
        var plain = await _plain!.GetRequiredService<CodeExecutor>().ExecuteAsync(request, ct);

        Assert.True(preStarted.Verdict != Verdict.SandboxError, $"{name}: {preStarted.Message}");
        Assert.Equal(plain.Stdout, preStarted.Stdout);
        Assert.Equal(plain.Stderr, preStarted.Stderr);
        Assert.Equal(plain.ExitCode, preStarted.ExitCode);
        Assert.Equal(plain.Verdict, preStarted.Verdict);
    }

    [Fact]
    public async Task PreStarted_IsWhatRunsByDefault_AndOffWhenDisabled()
    {
        // The comparison above is only worth something if the two sides differ in how they start: the pre-started
        // interpreter was started with -c, the plain one on the file.
        fixture.SkipIfUnavailable();
        var request = new ExecutionRequest { Language = "python", Code = "import sys\nprint('-c' in sys.orig_argv)" };
        var ct = TestContext.Current.CancellationToken;
        var preStarted = await fixture.Executor.ExecuteAsync(request, ct);
        var plain = await _plain!.GetRequiredService<CodeExecutor>().ExecuteAsync(request, ct);

        Assert.Equal("True\n", preStarted.Stdout);
        Assert.Equal("False\n", plain.Stdout);
    }

    [Fact]
    public async Task PreStarted_ScriptTests_SentinelStillProvesCompletion()
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
