namespace EvoR.Sandbox;

/// <summary>The outcome of running a program. Everything downstream (scoring, feedback, evolution) reads this.</summary>
public enum Verdict
{
    /// <summary>Without tests: exited 0. With tests: every test ran to completion and passed.</summary>
    Passed,

    /// <summary>Tests ran and at least one failed, or the program stopped before the tests completed.</summary>
    Failed,

    /// <summary>The program crashed or exited non-zero outside a test assertion.</summary>
    RuntimeError,

    /// <summary>The compile step of a compiled language failed.</summary>
    CompileError,

    /// <summary>Wall-clock or CPU time limit reached.</summary>
    TimeLimitExceeded,

    /// <summary>Memory limit reached (cgroup OOM kill, or the language's own out-of-memory error under an rlimit).</summary>
    MemoryLimitExceeded,

    /// <summary>The program wrote more than the output cap.</summary>
    OutputLimitExceeded,

    /// <summary>Our fault (sandbox could not start, engine down…); never blamed on the program.</summary>
    SandboxError,
}
