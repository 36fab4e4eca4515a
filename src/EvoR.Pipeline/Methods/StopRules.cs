using EvoR.Pipeline.Evolution;
using EvoR.Pipeline.Generation;
using EvoR.Sandbox;

namespace EvoR.Pipeline.Methods;

/// <summary>How many rounds a run may take and when it stops (EvoR step 5).</summary>
internal static class StopRules
{
    /// <summary>One round for a single-shot method; else the job's bound, or the option of the method's budget.</summary>
    public static int MaxRounds(LoopFeatures features, MethodContext context, EvoROptions options) =>
        !features.Iterate ? 1 : context.MaxRounds ?? (features.ReflexionBudget ? options.ReflexionMaxAttempts : options.MaxRounds);

    /// <summary>The reason a run reports when no round stopped it.</summary>
    public static StopReason WhenNoRoundStopped(LoopFeatures features) => features.Iterate ? StopReason.Budget : StopReason.SingleShot;

    /// <summary>
    /// Why the loop stops after <paramref name="round"/>, or null to go on: a draft that was not executed ends a
    /// single-shot run; a clean run ends any; the same verdict and normalised error twice in a row ends a method that
    /// stops on repeated errors; the last round ends the budget.
    /// </summary>
    public static StopReason? AfterRound(LoopFeatures features, ExecutionReport? report, (Verdict, string)? previousError, int round, int maxRounds)
    {
        if (report is null)
        {
            return StopReason.SingleShot;
        }

        if (report.Clean)
        {
            return StopReason.Clean;
        }

        if (features.StopOnRepeatedError && previousError == (report.Verdict, report.NormalizedError))
        {
            return StopReason.RepeatedError;
        }

        return round == maxRounds - 1 ? StopReason.Budget : null;
    }
}
