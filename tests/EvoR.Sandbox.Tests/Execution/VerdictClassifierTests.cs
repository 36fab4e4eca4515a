using System.Text;
using EvoR.Sandbox.Backends;
using EvoR.Sandbox.Execution;
using EvoR.Sandbox.Languages;

namespace EvoR.Sandbox.Tests.Execution;

public sealed class VerdictClassifierTests
{
    private static readonly LanguageDefinition Python = LanguageCatalog.LoadBuiltIn().All.Single(l => l.Name == "python");
    private static readonly ExecutionLimits Limits = new();

    public static TheoryData<string, SandboxRun, Verdict?> LimitCases => new()
    {
        { "setup error beats everything", new SandboxRun { SetupError = "x", TimedOut = true }, Verdict.SandboxError },
        { "timeout beats oom", new SandboxRun { TimedOut = true, OomKilled = true }, Verdict.TimeLimitExceeded },
        { "output flood", new SandboxRun { OutputLimitExceeded = true, ExitCode = 0 }, Verdict.OutputLimitExceeded },
        { "oom kill", new SandboxRun { OomKilled = true, ExitCode = 137, Signal = 9 }, Verdict.MemoryLimitExceeded },
        { "SIGXCPU", new SandboxRun { ExitCode = 152, Signal = 24 }, Verdict.TimeLimitExceeded },
        { "MemoryError under rlimit", new SandboxRun { ExitCode = 1, Stderr = Encoding.UTF8.GetBytes("MemoryError") }, Verdict.MemoryLimitExceeded },
        { "clean exit", new SandboxRun { ExitCode = 0 }, null },
        { "plain crash", new SandboxRun { ExitCode = 1, Stderr = Encoding.UTF8.GetBytes("ValueError") }, null },
    };

    [Theory]
    [MemberData(nameof(LimitCases))]
    public void Limits_Table(string name, SandboxRun run, Verdict? expected) =>
        Assert.True(expected == VerdictClassifier.Limits(run, Python, Limits)?.Verdict, name);

    [Theory]
    [InlineData(0, true, "", Verdict.Passed)]
    [InlineData(0, false, "", Verdict.Failed)]
    [InlineData(1, false, "Traceback\nAssertionError", Verdict.Failed)]
    [InlineData(1, false, "Traceback\nKeyError", Verdict.RuntimeError)]
    [InlineData(1, true, "Traceback\nKeyError", Verdict.RuntimeError)]
    public void Script_Table(int exitCode, bool sentinel, string stderr, Verdict expected) =>
        Assert.Equal(expected, VerdictClassifier.Script(new SandboxRun { ExitCode = exitCode, Stderr = Encoding.UTF8.GetBytes(stderr) }, Python, sentinel).Item1);
}
