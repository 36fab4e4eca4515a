using EvoR.Bench.Datasets.EvorBench;
using EvoR.Sandbox;

namespace EvoR.Bench.Tests.Datasets.EvorBench;

/// <summary>Track 2 (<c>bench/EvoR-Bench/tracks/luatail</c>): Lua 5.4 stdin/stdout problems, scored through the sandbox.</summary>
[Collection(EvorBenchSandboxCollection.Name)]
public sealed class LuaTailTrackTests(EvorBenchSandboxFixture sandbox)
{
    private static string TrackFolder => Path.Combine(EvorBenchFixtures.RepositoryRoot(), "bench", "EvoR-Bench", "tracks", "luatail");

    [Fact]
    public void Load_Track_HasTheShapeTheIssueAsksFor()
    {
        var task = EvorBenchLoader.LoadTask(TrackFolder);

        Assert.Equal(("luatail", "lua", EvorBenchLayout.StdinStdout, ComparisonRule.Exact), (task.Name, task.Language, task.Layout, task.ComparisonRule));
        Assert.True(task.Problems.Count >= 50, $"{task.Problems.Count} problems");
        Assert.All(task.Problems, p =>
        {
            Assert.True(p.Cases.Count >= 3, p.Id);
            Assert.False(string.IsNullOrWhiteSpace(p.GoldDocumentation), p.Id);
            Assert.True(task.ReferenceSolutions.ContainsKey(p.Id), p.Id);
            // Each problem's cases are not all the same answer (a constant print cannot pass).
            Assert.True(p.Cases.Select(c => c.AnswerText).Distinct().Count() > 1 || p.Cases.Count == 0, p.Id + " has one answer for every case");
        });
    }

    [Fact]
    public async Task Score_ReferencesPassBrokenAndEmptyFail()
    {
        var executor = sandbox.Require();
        var task = EvorBenchLoader.LoadTask(TrackFolder);
        var scorer = new EvorBenchScorer(executor, TimeProvider.System);
        var items = new List<(EvorBenchProblem, string, string)>();
        foreach (var p in task.Problems)
        {
            items.Add((p, task.ReferenceSolutions[p.Id], "reference"));
            items.Add((p, task.ReferenceSolutions[p.Id] + "\nprint('extra')\n", "broken"));
        }

        items.Add((task.Problems[0], "", "empty"));
        items.Add((task.Problems[^1], "", "empty"));

        var verdicts = await scorer.ScoreAllAsync(task, items, maxParallelism: 2, TestContext.Current.CancellationToken);

        var failedReferences = verdicts.Where(v => v.Variant == "reference" && !v.Passed).Select(v => $"{v.ProblemId}: {v.Verdict} {v.Reason}").ToList();
        Assert.True(failedReferences.Count == 0, "references that did not pass:\n" + string.Join("\n", failedReferences));
        Assert.DoesNotContain(verdicts, v => v.Variant != "reference" && v.Passed);
        Assert.DoesNotContain(verdicts, v => v.Verdict == Verdict.SandboxError);
        var broken = verdicts.First(v => v.Variant == "broken");
        Assert.Equal((Verdict.Failed, 1), (broken.Verdict, broken.FirstFailingCase));
        Assert.Contains("expected", broken.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Score_RuntimeErrorInCase_ReportsTheCaseAndVerdict()
    {
        var executor = sandbox.Require();
        var task = EvorBenchLoader.LoadTask(TrackFolder);

        var verdict = await new EvorBenchScorer(executor, TimeProvider.System).ScoreAsync(task, task.Problems[0], "error('boom')", "test", TestContext.Current.CancellationToken);

        Assert.Equal((Verdict.RuntimeError, 1, false), (verdict.Verdict, verdict.FirstFailingCase, verdict.SyntaxCorrect));
        Assert.Contains("boom", verdict.Reason, StringComparison.Ordinal);
    }
}
