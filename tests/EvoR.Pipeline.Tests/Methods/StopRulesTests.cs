using EvoR.Pipeline.Evolution;
using EvoR.Pipeline.Generation;
using EvoR.Pipeline.Methods;
using EvoR.Sandbox;

namespace EvoR.Pipeline.Tests.Methods;

/// <summary>The loop's stop rules on their own: which round ends a run, and why.</summary>
public sealed class StopRulesTests
{
    private static readonly ExecutionReport Clean = new([new RunVerdict("program", Verdict.Passed, null, "1", "", 1)]);
    private static readonly ExecutionReport Crash = new([new RunVerdict("program", Verdict.RuntimeError, "boom at line 3", "", "", 1)]);

    [Fact]
    public void AfterRound_NotExecuted_SingleShot() =>
        Assert.Equal(StopReason.SingleShot, StopRules.AfterRound(new LoopFeatures(), null, null, 0, 1));

    [Fact]
    public void AfterRound_Clean_CleanEvenOnTheLastRound() =>
        Assert.Equal(StopReason.Clean, StopRules.AfterRound(new LoopFeatures { Iterate = true }, Clean, null, 3, 4));

    [Theory]
    [InlineData(true, StopReason.RepeatedError)]
    [InlineData(false, null)]
    public void AfterRound_SameErrorAsBefore_StopsOnlyWhenTheMethodSaysSo(bool stopOnRepeatedError, StopReason? expected)
    {
        var features = new LoopFeatures { Iterate = true, StopOnRepeatedError = stopOnRepeatedError };

        // The same error reported on another line still repeats: line numbers are normalised away.
        Assert.Equal(expected, StopRules.AfterRound(features, Crash, (Verdict.RuntimeError, "boom at line N"), 1, 4));
    }

    [Theory]
    [InlineData(2, null)]
    [InlineData(3, StopReason.Budget)]
    public void AfterRound_Failed_GoesOnUntilTheLastRound(int round, StopReason? expected) =>
        Assert.Equal(expected, StopRules.AfterRound(new LoopFeatures { Iterate = true, StopOnRepeatedError = true }, Crash, null, round, 4));

    [Theory]
    [InlineData(false, false, null, 1)]
    [InlineData(true, false, null, 5)]
    [InlineData(true, true, null, 7)]
    [InlineData(true, true, 2, 2)]
    public void MaxRounds_SingleShotOneElseTheJobsBoundElseTheMethodsOption(bool iterate, bool reflexionBudget, int? jobBound, int expected)
    {
        var features = new LoopFeatures { Iterate = iterate, ReflexionBudget = reflexionBudget };
        var options = new EvoROptions { MaxRounds = 5, ReflexionMaxAttempts = 7 };

        Assert.Equal(expected, StopRules.MaxRounds(features, new MethodContext { MaxRounds = jobBound }, options));
    }

    [Theory]
    [InlineData(true, StopReason.Budget)]
    [InlineData(false, StopReason.SingleShot)]
    public void WhenNoRoundStopped_ByIteration(bool iterate, StopReason expected) =>
        Assert.Equal(expected, StopRules.WhenNoRoundStopped(new LoopFeatures { Iterate = iterate }));
}
