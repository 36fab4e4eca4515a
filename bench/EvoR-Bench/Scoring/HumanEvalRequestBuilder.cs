using EvoR.Bench.Datasets;
using EvoR.Sandbox;

namespace EvoR.Bench.Scoring;

/// <summary>Turns a HumanEval problem and a candidate completion into a sandbox request.</summary>
internal static class HumanEvalRequestBuilder
{
    /// <summary>Language every HumanEval problem is written in.</summary>
    public const string Language = "python";

    /// <summary>
    /// <c>code</c> = prompt + completion; script tests = the problem's <c>check</c> definition followed by
    /// <c>check(entry_point)</c>, which the sandbox appends to the program.
    /// </summary>
    public static ExecutionRequest Build(HumanEvalProblem problem, string completion, ExecutionLimitsOverride? limits = null)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(completion);
        return new ExecutionRequest
        {
            Language = Language,
            Code = problem.Prompt + completion,
            Tests = new ScriptTests { Code = BuildTestCode(problem) },
            Limits = limits,
        };
    }

    /// <summary>The script-test code: the problem's tests, then the call of <c>check</c> on the entry point.</summary>
    public static string BuildTestCode(HumanEvalProblem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        return problem.Test + "\n\ncheck(" + problem.EntryPoint + ")\n";
    }
}
