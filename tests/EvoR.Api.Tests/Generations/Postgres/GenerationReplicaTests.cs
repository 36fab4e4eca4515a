using System.Net;
using EvoR.Api.Tests.Support;
using EvoR.Testing;

namespace EvoR.Api.Tests.Generations.Postgres;

/// <summary>
/// Two replicas of the service (real processes on two ports) on one PostgreSQL: a replica killed with SIGKILL loses
/// its jobs' leases and the other ends them interrupted and runs the queued ones; a replica streams the events of a
/// job that runs on the other, and cancels it; 200 jobs spread over both finish once each.
/// </summary>
public sealed class GenerationReplicaTests
{
    // Vanilla, no hidden tests: one scripted LLM call per job and no sandbox run.
    private static readonly string Job = Fixtures.Request("vanilla", hidden: false);

    [Fact]
    public async Task KillMinus9_QueuedJobsFinishOnTheOther_RunningOnesEndInterrupted()
    {
        await using var cluster = await ReplicaCluster.CreateAsync();
        cluster.Coder.ProgramDelay = TimeSpan.FromMinutes(2);
        var (a, clientA) = await cluster.StartReplicaAsync(workers: 2);
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await clientA.CreateAsync(Job));
        }

        await clientA.WaitForAsync(ids[0], "running");
        await clientA.WaitForAsync(ids[1], "running");
        // A job is running before its model call goes out: A dies only once both calls have reached the model, so the
        // five calls counted below are the two of A's and the three of B's, none of them twice.
        await Eventually.HoldsAsync(() => cluster.Server.Requests.Count >= 2, "A's two running jobs called the model", TimeSpan.FromSeconds(60), Http.Ct);
        var runningOnA = ReplicaCluster.Started(a);
        await cluster.KillAsync(a);
        cluster.Coder.ProgramDelay = TimeSpan.Zero;
        var (b, clientB) = await cluster.StartReplicaAsync(workers: 2);
        var ended = new Dictionary<string, System.Text.Json.JsonElement>();
        foreach (var id in ids)
        {
            ended[id] = await clientB.WaitForAsync(id);
        }

        Assert.Equal(ids[..2].Order(), runningOnA.Order());
        foreach (var id in ids[..2])
        {
            Assert.Equal("interrupted", ended[id].GetProperty("status").GetString());
            Assert.Equal("urn:evor:problem:generation-interrupted", ended[id].GetProperty("error").GetProperty("type").GetString());
            Assert.Equal(["end"], (await clientB.ReadEventsAsync(id)).Select(e => e.Name));
        }

        foreach (var id in ids[2..])
        {
            Assert.Equal("succeeded", ended[id].GetProperty("status").GetString());
        }

        // Nothing ran twice: B started only the three that were queued, and the model saw five calls in all.
        Assert.Equal(ids[2..].Order(), ReplicaCluster.Started(b).Order());
        Assert.Equal(5, cluster.Server.Requests.Count);
    }

    [Fact]
    public async Task EventsOnB_JobRunningOnA_StreamLiveAndReplayWithLastEventId_AndCancelFromB()
    {
        await using var cluster = await ReplicaCluster.CreateAsync();
        cluster.Coder.ProgramDelay = TimeSpan.FromMinutes(5);
        // B's only worker is kept busy first, so that the jobs created next run on A whatever the start-up times.
        var (b, clientB) = await cluster.StartReplicaAsync(workers: 1);
        var blocker = await clientB.CreateAsync(Job);
        await clientB.WaitForAsync(blocker, "running");
        var (a, clientA) = await cluster.StartReplicaAsync(workers: 2);
        var cancelled = await clientA.CreateAsync(Job);
        await clientA.WaitForAsync(cancelled, "running");
        cluster.Coder.ProgramDelay = TimeSpan.FromSeconds(6);
        var streamed = await clientA.CreateAsync(Job);
        await clientA.WaitForAsync(streamed, "running");

        var before = await clientB.GetJobAsync(streamed);
        using var cancel = await clientB.DeleteAsync($"/v1/generations/{cancelled}", Http.Ct);
        var events = await clientB.ReadEventsAsync(streamed);
        var resumed = await clientB.ReadEventsAsync(streamed, lastEventId: "1");
        var cancelledJob = await clientB.WaitForAsync(cancelled);

        Assert.Equal("running", before.GetProperty("status").GetString());
        Assert.Equal(["round", "end"], events.Select(e => e.Name));
        Assert.Equal("succeeded", events[^1].Data.GetProperty("status").GetString());
        Assert.Equal([2L], resumed.Select(e => e.Id));
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        Assert.Equal("cancelled", cancelledJob.GetProperty("status").GetString());
        Assert.Equal(new[] { streamed, cancelled }.Order(), ReplicaCluster.Started(a).Order());
        Assert.Equal([blocker], ReplicaCluster.Started(b));
    }

    [Fact]
    public async Task TwoHundredJobs_OverTwoReplicas_EachRunOnceAndNoneLost()
    {
        await using var cluster = await ReplicaCluster.CreateAsync();
        cluster.Coder.ProgramDelay = TimeSpan.FromMilliseconds(20);
        var (a, clientA) = await cluster.StartReplicaAsync(workers: 4, leaseSeconds: 30);
        var (b, clientB) = await cluster.StartReplicaAsync(workers: 4, leaseSeconds: 30);

        var ids = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => (i % 2 == 0 ? clientA : clientB).CreateAsync(Job)));
        var ended = new List<System.Text.Json.JsonElement>();
        foreach (var (id, i) in ids.Select((id, i) => (id, i)))
        {
            ended.Add(await (i % 2 == 0 ? clientB : clientA).WaitForAsync(id));
        }

        Assert.All(ended, job => Assert.Equal("succeeded", job.GetProperty("status").GetString()));
        Assert.All(ended, job => Assert.Equal(1, job.GetProperty("usage").GetProperty("llmCalls").GetInt32()));
        var startedA = ReplicaCluster.Started(a);
        var startedB = ReplicaCluster.Started(b);
        Assert.Equal(ids.Order(), startedA.Concat(startedB).Order());
        Assert.NotEmpty(startedA);
        Assert.NotEmpty(startedB);
        Assert.Equal(200, cluster.Server.Requests.Count);
    }
}
