using EvoR.Bench.Commands;
using EvoR.Bench.Datasets;
using EvoR.Bench.Scoring;
using EvoR.Sandbox;

namespace EvoR.Bench.Tests.Integration;

/// <summary>
/// Every canonical HumanEval solution must pass in the real sandbox, and broken variants must never pass. Skipped,
/// with the reason, where bubblewrap or the dataset is missing. Asserts verdicts only, never timings.
/// </summary>
public sealed class HumanEvalConformanceTests(HumanEvalConformanceFixture fixture) : IClassFixture<HumanEvalConformanceFixture>
{
    [Fact]
    public async Task CanonicalSolutions_EveryTask_Passed()
    {
        var (host, problems) = fixture.RequireSandbox();

        var report = await host.Scorer.ScoreAsync([.. problems.Select(Candidate.Canonical)], fixture.Parallelism, cancellationToken: TestContext.Current.CancellationToken);

        TestContext.Current.TestOutputHelper?.WriteLine($"{report.PassedCount}/{problems.Count} canonical solutions passed in {report.WallTime.TotalSeconds:0.0} s at parallelism {report.Parallelism}.");
        var failures = report.NotPassed.Select(v => $"{v.TaskId}: {v.Verdict} ({v.Result.Message}) {Tail(v.Result.Stderr)}").ToList();
        Assert.True(failures.Count == 0, $"{failures.Count} canonical solutions did not pass:\n" + string.Join("\n", failures));
        Assert.Equal(problems.Count, report.PassedCount);
    }

    [Fact]
    public async Task BrokenVariants_EveryTask_NeverPassedNorSandboxError()
    {
        var (host, problems) = fixture.RequireSandbox();
        var kinds = new List<BrokenVariantKind>();
        var candidates = new List<Candidate>();
        foreach (var problem in problems)
        {
            foreach (var kind in BrokenVariants.AllKinds)
            {
                kinds.Add(kind);
                candidates.Add(BrokenVariants.Create(problem, kind));
            }
        }

        var report = await host.Scorer.ScoreAsync(candidates, fixture.Parallelism, cancellationToken: TestContext.Current.CancellationToken);

        var failures = new List<string>();
        for (var i = 0; i < candidates.Count; i++)
        {
            var verdict = report.Verdicts[i];
            var acceptable = BrokenVariants.AcceptableVerdicts(kinds[i], verdict.Result.Stderr);
            if (!acceptable.Contains(verdict.Verdict))
            {
                failures.Add($"{verdict.TaskId} {verdict.Variant}: {verdict.Verdict}, expected {string.Join(" or ", acceptable)} ({verdict.Result.Message}) {Tail(verdict.Result.Stderr)}");
            }
        }

        var counts = report.Verdicts.GroupBy(v => (v.Variant, v.Verdict)).Select(g => $"{g.Key.Variant} {g.Key.Verdict}: {g.Count()}");
        TestContext.Current.TestOutputHelper?.WriteLine(string.Join("; ", counts));
        Assert.True(failures.Count == 0, $"{failures.Count} broken variants got a wrong verdict:\n" + string.Join("\n", failures));
        Assert.DoesNotContain(report.Verdicts, v => v.Verdict is Verdict.Passed or Verdict.SandboxError);
    }

    private static string Tail(string text) => text.Length <= 200 ? text.Trim() : "…" + text[^200..].Trim();
}

/// <summary>One real sandbox and the dataset, shared by the conformance tests; or the reason they are skipped.</summary>
public sealed class HumanEvalConformanceFixture : IAsyncLifetime
{
    private BenchHost? _host;
    private IReadOnlyList<HumanEvalProblem> _problems = [];

    public string? SkipReason { get; private set; }

    /// <summary>Twice the pool: keeps every worker busy without filling the sandbox's queue.</summary>
    public int Parallelism => (_host?.PoolSize ?? 1) * 2;

    public async ValueTask InitializeAsync()
    {
        if (!IsOnPath("bwrap"))
        {
            SkipReason = "bubblewrap (bwrap) is not on PATH; the process sandbox cannot run here.";
            return;
        }

        var path = HumanEvalLoader.ResolvePath(null, Directory.GetCurrentDirectory());
        if (path is null || !File.Exists(path))
        {
            SkipReason = $"HumanEval dataset not found ({path ?? "no EvoR.sln above the test directory"}); it lives in ../shared/data/humaneval/ beside the repository.";
            return;
        }

        _problems = await HumanEvalLoader.LoadAsync(path);
        _host = await BenchHost.StartAsync(BenchHost.BuildConfiguration([]));
    }

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    internal (BenchHost Host, IReadOnlyList<HumanEvalProblem> Problems) RequireSandbox()
    {
        if (SkipReason is not null)
        {
            Assert.Skip(SkipReason);
        }

        Assert.Equal(164, _problems.Count);
        return (_host!, _problems);
    }

    private static bool IsOnPath(string executable) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, executable)));
}
