using System.Text;
using EvoR.Sandbox.Backends;
using EvoR.Sandbox.Languages;
using EvoR.Sandbox.Scoring;
using static System.FormattableString;

namespace EvoR.Sandbox.Execution;

/// <summary>The runs one execution is made of: each io case (one run per case, from the same files), each run booked
/// from the service-wide output budget.</summary>
public sealed partial class CodeExecutor
{
    private async Task<ExecutionResult> RunCasesAsync(
        IoTests io, SandboxRunSpec spec, LanguageDefinition language, ExecutionLimits limits, long started, OutputBooking booking,
        CancellationToken cancellationToken)
    {
        var cases = new List<CaseResult>(io.Cases.Count);
        SandboxFault? fault = null;
        for (var i = 0; i < io.Cases.Count; i++)
        {
            var @case = io.Cases[i];
            var (run, budgetShort) = await RunBookedAsync(
                booking, spec with { Stdin = @case.Stdin.Length == 0 ? null : Encoding.UTF8.GetBytes(@case.Stdin) }, cancellationToken);
            var stdout = Decode(run.Stdout);
            var (verdict, message) = VerdictClassifier.Limits(run, language, limits)
                ?? (run.ExitCode != 0
                    ? VerdictClassifier.Plain(run)
                    : OutputComparer.Matches(stdout, @case.ExpectedStdout, io.IgnoreWhitespace, io.NumericTolerance)
                        ? (Verdict.Passed, null)
                        : (Verdict.Failed, "Output differs from the expected output."));
            if (verdict == Verdict.OutputLimitExceeded && budgetShort is not null)
            {
                message = budgetShort;
            }
            cases.Add(new CaseResult
            {
                Index = i,
                Verdict = verdict,
                ExitCode = run.ExitCode,
                Stdout = stdout,
                Stderr = Decode(run.Stderr),
                Truncated = run.Truncated,
                DurationMs = run.DurationMs,
                Message = message,
            });

            if (verdict == Verdict.SandboxError)
            {
                fault = run.Fault;
                break; // Our fault: later cases would fail the same way.
            }
        }

        // The first case that did not pass speaks for the whole result.
        var decisive = cases.FirstOrDefault(c => c.Verdict != Verdict.Passed) ?? cases[^1];
        var passed = cases.Count(c => c.Verdict == Verdict.Passed);
        return new ExecutionResult
        {
            Verdict = decisive.Verdict,
            ExitCode = decisive.ExitCode,
            Stdout = decisive.Stdout,
            Stderr = decisive.Stderr,
            Truncated = cases.Any(c => c.Truncated),
            DurationMs = (long)_time.GetElapsedTime(started).TotalMilliseconds,
            Cases = cases,
            Message = decisive.Verdict == Verdict.Passed
                ? Invariant($"All {cases.Count} cases passed.")
                : Invariant($"{passed} of {io.Cases.Count} cases passed; case {decisive.Index}: {decisive.Message}"),
            Limits = limits,
            Backend = _backend.Name,
            Language = language.Name,
            Fault = fault,
        };
    }

    /// <summary>
    /// One run whose captured output is taken from the service-wide output budget (<see cref="OutputBudget"/>). Returns
    /// the run and, when the budget cut its output, the message that says so.
    /// </summary>
    private async Task<(SandboxRun Run, string? BudgetShort)> RunBookedAsync(
        OutputBooking booking, SandboxRunSpec spec, CancellationToken cancellationToken)
    {
        var allowance = booking.ForRun();
        var run = await _backend.RunAsync(spec with { OutputAllowance = allowance }, cancellationToken);
        return (run, allowance.Short && run.OutputLimitExceeded
            ? Invariant($"Output exceeded what is left of the service-wide output budget (Sandbox:MaxTotalOutputBytes: {_outputBudget.Capacity} bytes for all running executions together); the program was killed after {run.Stdout.Length + run.Stderr.Length} bytes.")
            : null);
    }
}
