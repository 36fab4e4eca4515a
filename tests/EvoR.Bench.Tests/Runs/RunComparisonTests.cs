using EvoR.Bench.Runs;

namespace EvoR.Bench.Tests.Runs;

public sealed class RunComparisonTests
{
    private static RunSummary Summary(string id, params (string Problem, bool Passed)[] grid)
    {
        var passed = grid.Count(g => g.Passed);
        var row = new ResultRow
        {
            Dataset = "d", Method = "evor", Problems = grid.Length, Finished = grid.Length, Passed = passed, Accuracy = passed / (double)grid.Length,
            RanClean = 1, AccuracyByRound = [passed / (double)grid.Length], TokensIn = 0, TokensOut = 0, LlmCalls = 0,
            Failures = new Dictionary<string, int>(), RetryableProblems = [], Scripted = false,
        };
        return new RunSummary
        {
            RunId = id, Samples = 1, Scripted = false, Datasets = ["d"], Methods = ["evor"], Results = [row],
            AverageAccuracy = new Dictionary<string, double> { ["evor"] = row.Accuracy },
            Grid = new Dictionary<string, IReadOnlyDictionary<string, IReadOnlyDictionary<string, bool>>>
            {
                ["d"] = new Dictionary<string, IReadOnlyDictionary<string, bool>> { ["evor"] = grid.ToDictionary(g => g.Problem, g => g.Passed) },
            },
        };
    }

    [Fact]
    public void Markdown_TwoRuns_DeltaAndFlippedProblemsBothWays()
    {
        var a = Summary("a", ("p1", true), ("p2", true), ("p3", false), ("p4", false));
        var b = Summary("b", ("p1", true), ("p2", false), ("p3", true), ("p4", true));

        var md = RunComparison.Markdown(a, b);

        Assert.Contains("| d | evor | 50.0 | 75.0 | +25.0 | p2 | p3, p4 |", md, StringComparison.Ordinal);
    }

    [Fact]
    public void Markdown_RunsOfTwoKnowledgeScopes_NamesBoth()
    {
        var a = Summary("a", ("p1", false));
        var b = Summary("b", ("p1", true)) with { KnowledgeScope = "run" };

        Assert.Contains("Knowledge scope: A `problem`, B `run`", RunComparison.Markdown(a, b), StringComparison.Ordinal);
        Assert.DoesNotContain("Knowledge scope", RunComparison.Markdown(a, a), StringComparison.Ordinal);
    }
}
