using EvoR.Bench.Scoring;
using EvoR.Sandbox;
using Microsoft.Extensions.Logging.Abstractions;

namespace EvoR.Bench.Tests.Scoring;

public sealed class HumanEvalScorerTests
{
    [Fact]
    public async Task ScoreAsync_ManyCandidates_VerdictsInCandidateOrderWithinTheParallelismBound()
    {
        var executor = new FakeExecutor(request => request.Code.EndsWith("return a + b\n", StringComparison.Ordinal) ? Verdict.Passed : Verdict.Failed);
        var scorer = new HumanEvalScorer(executor, TimeProvider.System, NullLogger<HumanEvalScorer>.Instance);
        var problems = Enumerable.Range(0, 20).Select(i => TestProblems.Add($"HumanEval/{i}")).ToList();
        List<Candidate> candidates = [.. problems.Select(Candidate.Canonical), .. BrokenVariants.CreateAll(problems)];

        var report = await scorer.ScoreAsync(candidates, maxParallelism: 3, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(candidates.Select(c => c.Problem.TaskId + c.Variant), report.Verdicts.Select(v => v.TaskId + v.Variant));
        Assert.Equal(20, report.PassedCount);
        Assert.All(report.NotPassed, v => Assert.StartsWith("broken:", v.Variant, StringComparison.Ordinal));
        Assert.InRange(executor.MaxInFlight, 1, 3);
        Assert.Equal(3, report.Parallelism);
    }

    [Fact]
    public async Task ScoreOneAsync_PoolRefusesTwice_OffersAgainUntilItRuns()
    {
        var executor = new FakeExecutor(_ => Verdict.Passed, refusals: 2);
        var scorer = new HumanEvalScorer(executor, TimeProvider.System, NullLogger<HumanEvalScorer>.Instance);

        var verdict = await scorer.ScoreOneAsync(Candidate.Canonical(TestProblems.Add()), cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(verdict.Passed);
        Assert.Equal(3, executor.Calls);
    }

    [Fact]
    public async Task ScoreAsync_ZeroParallelism_Throws()
    {
        var scorer = new HumanEvalScorer(new FakeExecutor(_ => Verdict.Passed), TimeProvider.System, NullLogger<HumanEvalScorer>.Instance);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => scorer.ScoreAsync([], 0, cancellationToken: TestContext.Current.CancellationToken));
    }

    private sealed class FakeExecutor(Func<ExecutionRequest, Verdict> verdictOf, int refusals = 0) : ICodeExecutor
    {
        private int _inFlight;
        private int _maxInFlight;
        private int _calls;

        public string Backend => "fake";

        public int MaxInFlight => Volatile.Read(ref _maxInFlight);

        public int Calls => Volatile.Read(ref _calls);

        public async Task<ExecutionResult> ExecuteAsync(ExecutionRequest request, CancellationToken cancellationToken = default)
        {
            if (Interlocked.Increment(ref _calls) <= refusals)
            {
                throw new SandboxBusyException(TimeSpan.FromMilliseconds(1));
            }

            var now = Interlocked.Increment(ref _inFlight);
            int seen;
            while (now > (seen = Volatile.Read(ref _maxInFlight)) && Interlocked.CompareExchange(ref _maxInFlight, now, seen) != seen)
            {
            }

            await Task.Yield();
            Interlocked.Decrement(ref _inFlight);
            return new ExecutionResult { Verdict = verdictOf(request), Limits = new ExecutionLimits(), Backend = Backend, Language = request.Language };
        }
    }
}
