using EvoR.Llm.Usage;

namespace EvoR.Llm.Tests.Usage;

public sealed class LlmUsageTrackerTests
{
    [Fact]
    public void Record_NestedScopes_AddsToEachEnclosingScopeAndTotal()
    {
        var tracker = new LlmUsageTracker();
        tracker.Record(new LlmUsage(1, 1), TimeSpan.FromSeconds(1), failed: false);

        using var job = tracker.BeginScope("job");
        using (var step = tracker.BeginScope("step"))
        {
            tracker.Record(new LlmUsage(10, 5), TimeSpan.FromSeconds(2), failed: false);
            tracker.Record(null, TimeSpan.FromSeconds(1), failed: true);
            Assert.Equal(new LlmUsage(10, 5), step.Snapshot().Usage);
        }

        Assert.Same(job, tracker.Current);
        tracker.Record(null, TimeSpan.Zero, failed: false);

        var jobSnapshot = job.Snapshot();
        Assert.Equal(("job", 2, 1, 1), (jobSnapshot.Name, jobSnapshot.Calls, jobSnapshot.Failures, jobSnapshot.CallsWithoutUsage));
        Assert.Equal(new LlmUsage(10, 5), jobSnapshot.Usage);
        Assert.Equal(TimeSpan.FromSeconds(3), jobSnapshot.CallTime);
        Assert.Equal(new LlmUsage(11, 6), tracker.Total.Usage);
        Assert.Equal(3, tracker.Total.Calls);
    }

    [Fact]
    public async Task Record_ParallelFlows_EachScopeSeesOnlyItsOwnCalls()
    {
        var tracker = new LlmUsageTracker();

        async Task<LlmUsageSnapshot> JobAsync(string name, int tokens)
        {
            using var scope = tracker.BeginScope(name);
            for (var i = 0; i < 10; i++)
            {
                await Task.Yield();
                tracker.Record(new LlmUsage(tokens, 1), TimeSpan.Zero, failed: false);
            }

            return scope.Snapshot();
        }

        var results = await Task.WhenAll(JobAsync("a", 1), JobAsync("b", 100));

        Assert.Equal(new LlmUsage(10, 10), results[0].Usage);
        Assert.Equal(new LlmUsage(1000, 10), results[1].Usage);
        Assert.Equal(new LlmUsage(1010, 20), tracker.Total.Usage);
        Assert.Null(tracker.Current);
    }
}
