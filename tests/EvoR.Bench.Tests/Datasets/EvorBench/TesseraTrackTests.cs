using EvoR.Bench.Datasets.EvorBench;
using EvoR.Sandbox;

namespace EvoR.Bench.Tests.Datasets.EvorBench;

/// <summary>Track 1 (<c>bench/EvoR-Bench/tracks/tessera</c>): its shape, and its scoring through the real sandbox.</summary>
[Collection(EvorBenchSandboxCollection.Name)]
public sealed class TesseraTrackTests(EvorBenchSandboxFixture sandbox)
{
    private static string TrackFolder => Path.Combine(EvorBenchFixtures.RepositoryRoot(), "bench", "EvoR-Bench", "tracks", "tessera");

    private static EvorBenchTask Track => EvorBenchLoader.LoadTask(TrackFolder);

    private static string Naive(string id) => File.ReadAllText(Path.Combine(TrackFolder, "naive", id + ".txt"));

    /// <summary>A mechanical broken variant: the reference, then its answer shifted by one.</summary>
    private static string Broken(string reference) => reference + "\nresult = np.asarray(result, dtype=float) + 1\n";

    [Fact]
    public void Load_Track_HasTheShapeTheIssueAsksFor()
    {
        var task = Track;

        Assert.Equal(("tessera", "python", EvorBenchLayout.Python, ComparisonRule.PythonTestCode), (task.Name, task.Language, task.Layout, task.ComparisonRule));
        Assert.True(task.Problems.Count >= 50, $"{task.Problems.Count} problems");
        var apiPages = task.Docs.Count(d => d.Key.Count(c => c == '.') == 2); // module.function.md
        Assert.True(apiPages >= 60, $"{apiPages} API pages");
        Assert.Contains(task.Docs, d => d.Key == "changelog.md");
        Assert.Contains(task.Docs, d => d.Key == "install.md");
        Assert.Contains(task.Docs, d => d.Key == "faq.md");
        Assert.All(task.Problems, p =>
        {
            Assert.Equal(3, p.Cases.Count);
            Assert.NotNull(p.GoldDocumentation);
            Assert.Contains("\ndef stringTest(", p.TestCode, StringComparison.Ordinal);
            Assert.True(task.ReferenceSolutions.ContainsKey(p.Id), p.Id);
            // The reference is never inside the problem folder a method sees.
            Assert.DoesNotContain(Directory.EnumerateFiles(p.Folder, "*", SearchOption.AllDirectories),
                f => File.ReadAllText(f).Contains(task.ReferenceSolutions[p.Id].Trim(), StringComparison.Ordinal));
        });
        Assert.Equal([Path.Combine(TrackFolder, "lib", "tessera")], task.Libraries);
    }

    [Fact]
    public async Task Score_ReferencesPassBrokenVariantsEmptyAndNaiveFail()
    {
        var executor = sandbox.Require();
        var task = Track;
        var scorer = new EvorBenchScorer(executor, TimeProvider.System, new EvorBenchScoringOptions { ProblemTimeoutMs = 60_000, CaseTimeoutSeconds = 30 });
        var items = new List<(EvorBenchProblem, string, string)>();
        foreach (var p in task.Problems)
        {
            var reference = task.ReferenceSolutions[p.Id];
            items.Add((p, reference, "reference"));
            items.Add((p, Broken(reference), "broken"));
            items.Add((p, Naive(p.Id), "naive"));
        }

        items.Add((task.Problems[0], "", "empty"));
        items.Add((task.Problems[^1], "", "empty"));

        var verdicts = await scorer.ScoreAllAsync(task, items, maxParallelism: 2, TestContext.Current.CancellationToken);

        var byVariant = verdicts.GroupBy(v => v.Variant).ToDictionary(g => g.Key, g => g.ToList());
        var output = TestContext.Current.TestOutputHelper;
        foreach (var (variant, list) in byVariant)
        {
            output?.WriteLine($"{variant}: {list.Count(v => v.Passed)}/{list.Count} passed; {string.Join(", ", list.GroupBy(v => v.Verdict).Select(g => $"{g.Key} {g.Count()}"))}");
        }

        var failedReferences = byVariant["reference"].Where(v => !v.Passed).Select(v => $"{v.ProblemId}: {v.Verdict} {v.Reason}").ToList();
        Assert.True(failedReferences.Count == 0, "references that did not pass:\n" + string.Join("\n", failedReferences));
        Assert.DoesNotContain(byVariant["broken"], v => v.Passed);
        Assert.DoesNotContain(byVariant["empty"], v => v.Passed);
        Assert.DoesNotContain(verdicts, v => v.Verdict == Verdict.SandboxError);
        var naivePassed = byVariant["naive"].Count(v => v.Passed);
        Assert.True(naivePassed < 0.2 * task.Problems.Count, $"{naivePassed}/{task.Problems.Count} naive solutions passed");
    }
}
