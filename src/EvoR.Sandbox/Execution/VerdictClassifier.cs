using EvoR.Sandbox.Backends;
using EvoR.Sandbox.Languages;
using static System.FormattableString;

namespace EvoR.Sandbox.Execution;

/// <summary>Turns the raw facts of a run into a verdict. The order matters: our faults first, then the limits the
/// sandbox enforced, then what the program itself did.</summary>
public static class VerdictClassifier
{
    private const int SigXcpu = 24;

    /// <summary>Limit and fault verdicts that do not depend on what the run was for; null when none applies.</summary>
    public static (Verdict Verdict, string? Message)? Limits(SandboxRun run, LanguageDefinition language, ExecutionLimits limits)
    {
        if (run.SetupError is not null)
        {
            return (Verdict.SandboxError, run.SetupError);
        }

        if (run.TimedOut)
        {
            return (Verdict.TimeLimitExceeded, Invariant($"Wall-clock limit of {limits.TimeoutMs} ms exceeded; the program was killed."));
        }

        if (run.OutputLimitExceeded)
        {
            return (Verdict.OutputLimitExceeded, Invariant($"Output exceeded {limits.OutputBytes} bytes; the program was killed."));
        }

        if (run.OomKilled)
        {
            return (Verdict.MemoryLimitExceeded, Invariant($"Memory limit of {limits.MemoryMb} MiB exceeded; the program was killed."));
        }

        if (run.Signal == SigXcpu)
        {
            return (Verdict.TimeLimitExceeded, Invariant($"CPU-time limit of {limits.CpuTimeMs} ms exceeded."));
        }

        if (run.ExitCode is not 0 && ContainsAny(run.Stderr, language.MemoryErrorMarkers))
        {
            return (Verdict.MemoryLimitExceeded, Invariant($"The program ran out of memory (limit {limits.MemoryMb} MiB)."));
        }

        return null;
    }

    /// <summary>A run without tests: exit 0 is Passed.</summary>
    public static (Verdict, string?) Plain(SandboxRun run) =>
        run.ExitCode == 0 ? (Verdict.Passed, null) : (Verdict.RuntimeError, ExitMessage(run));

    /// <summary>A script-test run: Passed only with exit 0 and the completion sentinel printed after the tests.</summary>
    public static (Verdict, string?) Script(SandboxRun run, LanguageDefinition language, bool sentinelSeen)
    {
        if (run.ExitCode == 0)
        {
            return sentinelSeen
                ? (Verdict.Passed, null)
                : (Verdict.Failed, "The program exited before the tests ran to completion.");
        }

        return ContainsAny(run.Stderr, language.AssertionMarkers)
            ? (Verdict.Failed, "A test assertion failed.")
            : (Verdict.RuntimeError, ExitMessage(run));
    }

    private static string ExitMessage(SandboxRun run) => run.Signal is { } signal
        ? Invariant($"The program was killed by signal {signal}.")
        : Invariant($"The program exited with code {run.ExitCode}.");

    private static bool ContainsAny(byte[] haystack, IReadOnlyList<string> markers)
    {
        if (markers.Count == 0 || haystack.Length == 0)
        {
            return false;
        }

        var text = System.Text.Encoding.UTF8.GetString(haystack);
        return markers.Any(m => text.Contains(m, StringComparison.Ordinal));
    }

}
