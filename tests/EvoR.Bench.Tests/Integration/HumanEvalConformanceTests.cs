using EvoR.Bench.Commands;
using EvoR.Bench.Datasets;
using EvoR.Bench.Scoring;
using EvoR.Sandbox;
using EvoR.Sandbox.Backends;
using EvoR.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace EvoR.Bench.Tests.Integration;

/// <summary>
/// Every canonical HumanEval solution must pass in the real sandbox, and broken variants must never pass. Skipped,
/// with the reason, where the backend or the dataset is missing. Asserts verdicts only, never timings. Each backend runs
/// it through a derived class: <see cref="HumanEvalConformanceTests"/> (process) and
/// <see cref="DockerHumanEvalConformanceTests"/>.
/// </summary>
public abstract class HumanEvalConformanceSuite(HumanEvalConformanceFixture fixture)
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

/// <summary>HumanEval conformance on the process (bubblewrap) backend.</summary>
[Collection(HumanEvalConformanceCollection.Name)]
public sealed class HumanEvalConformanceTests(HumanEvalConformanceFixture fixture)
    : HumanEvalConformanceSuite(fixture), IClassFixture<HumanEvalConformanceFixture>;

/// <summary>HumanEval conformance on the Docker backend.</summary>
[Collection(HumanEvalConformanceCollection.Name)]
public sealed class DockerHumanEvalConformanceTests(DockerHumanEvalConformanceFixture fixture)
    : HumanEvalConformanceSuite(fixture), IClassFixture<DockerHumanEvalConformanceFixture>;

/// <summary>One real sandbox and the dataset, shared by the conformance tests; or the reason they are skipped.</summary>
public class HumanEvalConformanceFixture : IAsyncLifetime
{
    private BenchHost? _host;
    private IReadOnlyList<HumanEvalProblem> _problems = [];

    public string? SkipReason { get; private set; }

    /// <summary>Twice the pool: keeps every worker busy without filling the sandbox's queue.</summary>
    public int Parallelism => (_host?.PoolSize ?? 1) * 2;

    /// <summary>Configuration items (<c>--Sandbox:Key=value</c>) that choose the backend under test.</summary>
    protected virtual IReadOnlyList<string> BackendArguments => [];

    /// <summary>Why the backend cannot run here (checked before the host starts), or null.</summary>
    protected virtual string? PrerequisiteMissing() =>
        IsOnPath("bwrap") ? null : "bubblewrap (bwrap) is not on PATH; the process sandbox cannot run here.";

    /// <summary>Why the started backend cannot run programs, or null.</summary>
    private protected virtual Task<string?> BackendUnavailableAsync(BenchHost host) => Task.FromResult<string?>(null);

    public async ValueTask InitializeAsync()
    {
        if (PrerequisiteMissing() is { } missing)
        {
            SkipReason = missing;
            return;
        }

        var path = HumanEvalLoader.ResolvePath(null, Directory.GetCurrentDirectory());
        if (path is null || !File.Exists(path))
        {
            SkipReason = $"HumanEval dataset not found ({path ?? "no EvoR.sln above the test directory"}); it lives in ../shared/data/humaneval/ beside the repository.";
            return;
        }

        _problems = await HumanEvalLoader.LoadAsync(path);
        _host = await BenchHost.StartAsync(BenchHost.BuildConfiguration(BackendArguments));
        SkipReason = await BackendUnavailableAsync(_host);
    }

    public async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
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

    protected static bool IsOnPath(string executable) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, executable)));
}

/// <summary>The conformance fixture on the Docker backend: skipped, with the reason, where no engine answers or the
/// Python image is missing (failed instead with <c>EVOR_REQUIRE_DOCKER=1</c>, as on CI).</summary>
public sealed class DockerHumanEvalConformanceFixture : HumanEvalConformanceFixture
{
    protected override IReadOnlyList<string> BackendArguments => ["--Sandbox:Backend=docker"];

    protected override string? PrerequisiteMissing() => null;

    private protected override Task<string?> BackendUnavailableAsync(BenchHost host) =>
        DockerSandboxProbe.UnavailableReasonAsync(host.Services.GetRequiredService<ISandboxBackend>());
}

/// <summary>One backend's conformance run at a time: both saturate a 2-core machine on their own.</summary>
[CollectionDefinition(Name)]
public sealed class HumanEvalConformanceCollection
{
    public const string Name = "humaneval-conformance";
}
