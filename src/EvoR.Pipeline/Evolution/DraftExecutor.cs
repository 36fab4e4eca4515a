using System.Text.RegularExpressions;
using EvoR.Pipeline.Generation;
using EvoR.Sandbox;

namespace EvoR.Pipeline.Evolution;

/// <summary>
/// Runs a draft in the sandbox on what the loop may use: the LLM-written inputs (or self-tests) and the visible tests.
/// Never sees hidden tests. A request the sandbox refuses or cannot take becomes a <see cref="Verdict.SandboxError"/>
/// run, not an exception. Object addresses in its output (<c>&lt;Bucket object at 0x7f3a…&gt;</c>) are masked to
/// <c>at 0x?</c>: they change with every process (ASLR), and the feedback built from them reaches prompts, so unmasked
/// they would make a recorded run unreplayable.
/// </summary>
public sealed partial class DraftExecutor(ICodeExecutor executor)
{
    [GeneratedRegex(@"(?<=\bat )0x[0-9a-fA-F]{4,}")]
    private static partial Regex ObjectAddress();

    /// <summary>Masks the addresses in object representations (<c>at 0x7f3a2c1b</c> → <c>at 0x?</c>).</summary>
    internal static string MaskAddresses(string text) => ObjectAddress().Replace(text, "0x?");

    /// <summary>Opens a trust scope for the drafts of one method run (<see cref="ICodeExecutor.OpenScope"/>).</summary>
    public IExecutionScope OpenScope() => executor.OpenScope();

    /// <summary>The same draft runs, in <paramref name="scope"/>.</summary>
    public DraftExecutor InScope(IExecutionScope scope) => new(scope);

    public async Task<ExecutionReport> RunAsync(GenerationProblem problem, string program, IReadOnlyList<string> inputs,
        TestSpec? selfTests, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(inputs);
        var requests = new List<(string Label, ExecutionRequest Request)>();
        if (inputs.Count > 0)
        {
            if (problem.Style == ProgramStyle.Stdin)
            {
                requests.AddRange(inputs.Select((input, i) => ($"input {i + 1}", Request(problem, program, null, input))));
            }
            else
            {
                requests.Add(("generated inputs", Request(problem, program, new ScriptTests { Code = string.Join('\n', inputs) })));
            }
        }

        if (selfTests is not null)
        {
            requests.Add(("self-tests", Request(problem, program, selfTests)));
        }

        if (problem.VisibleTests is not null)
        {
            requests.Add(("visible tests", Request(problem, program, problem.VisibleTests)));
        }

        if (requests.Count == 0)
        {
            requests.Add(("program", Request(problem, program, null)));
        }

        // The runs are independent (each a fresh or verified-clean sandbox), so they go to the sandbox's pool together: a round waits for
        // the slowest run, not for their sum. The report keeps the request order.
        var runs = await Task.WhenAll(requests.Select(r => RunOneAsync(r.Label, r.Request, cancellationToken)));
        return new ExecutionReport(runs);
    }

    private static ExecutionRequest Request(GenerationProblem problem, string program, TestSpec? tests, string? stdin = null) =>
        new() { Language = problem.Language, Code = program, Tests = tests, Stdin = stdin };

    private async Task<RunVerdict> RunOneAsync(string label, ExecutionRequest request, CancellationToken cancellationToken)
    {
        try
        {
            var r = await executor.ExecuteAsync(request, cancellationToken);
            var message = r.Message;
            if (r.Cases.FirstOrDefault(c => c.Verdict != Verdict.Passed) is { } failed)
            {
                message = $"{message} Case {failed.Index + 1}: {failed.Verdict}. {failed.Message}".Trim();
                return Masked(label, r.Verdict, message, failed.Stdout, failed.Stderr, r.DurationMs);
            }

            var stderr = r.CompileOutput is { Length: > 0 } compile ? compile + "\n" + r.Stderr : r.Stderr;
            return Masked(label, r.Verdict, message, r.Stdout, stderr, r.DurationMs);
        }
        catch (ExecutionRequestException ex)
        {
            return new RunVerdict(label, Verdict.SandboxError, $"The sandbox refused the run ({ex.Kind}): {ex.Message}", "", "", 0);
        }
        catch (SandboxBusyException ex)
        {
            return new RunVerdict(label, Verdict.SandboxError, ex.Message, "", "", 0);
        }
    }

    private static RunVerdict Masked(string label, Verdict verdict, string? message, string stdout, string stderr, long durationMs) =>
        new(label, verdict, message is null ? null : MaskAddresses(message), MaskAddresses(stdout), MaskAddresses(stderr), durationMs);
}
