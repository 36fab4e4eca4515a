using System.Collections.Concurrent;
using EvoR.Api.Generations;
using EvoR.Api.Generations.Postgres;
using EvoR.Api.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EvoR.Api.Tests.Generations.Postgres;

/// <summary>The queue on PostgreSQL, with two replicas in one test (two data sources, two replica ids): each job is
/// claimed once, a lease that is not renewed runs out and a live replica ends the job interrupted, a cancellation
/// reaches the replica that runs the job.</summary>
public sealed class PostgresGenerationQueueTests
{
    private static readonly Func<GenerationJobRecord, GenerationOutcome> Interrupted =
        job => new GenerationOutcome(GenerationStatus.Interrupted, null, null, job.Usage, GenerationErrors.LeaseLost);

    [Fact]
    public async Task ClaimNext_EightWorkersOnTwoReplicas_EachJobClaimedOnce()
    {
        await using var database = await PostgresTestDatabase.CreateAsync();
        await using var a = Replica.Create(database);
        await using var b = Replica.Create(database);
        await a.Store.InitializeAsync(Http.Ct);
        for (var i = 0; i < 40; i++)
        {
            await a.Store.InsertAsync(StoreUnderTest.Job($"gen_{i:D2}"), Http.Ct);
        }

        var claimed = new ConcurrentBag<(string Replica, string Id)>();
        using var done = CancellationTokenSource.CreateLinkedTokenSource(Http.Ct);
        // Each worker holds after its first claim until all eight have one: else the first workers to start may drain
        // the queue alone, and the test would not have claimed on both replicas at once.
        var firstClaims = 0;
        var everyWorkerClaimed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var workers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            var replica = w % 2 == 0 ? a : b;
            var first = true;
            try
            {
                while (true)
                {
                    var claim = await replica.Queue.ClaimNextAsync(done.Token);
                    claimed.Add((replica.Database.ReplicaId, claim.Id));
                    if (first)
                    {
                        first = false;
                        if (Interlocked.Increment(ref firstClaims) == 8)
                        {
                            everyWorkerClaimed.SetResult();
                        }

                        await everyWorkerClaimed.Task.WaitAsync(done.Token);
                    }

                    if (claimed.Count == 40)
                    {
                        await done.CancelAsync();
                    }
                }
            }
            catch (OperationCanceledException) when (done.IsCancellationRequested)
            {
            }
        })).ToArray();
        done.CancelAfter(TimeSpan.FromSeconds(60));
        await Task.WhenAll(workers);

        Assert.Equal(40, claimed.Count);
        Assert.Equal(40, claimed.Select(c => c.Id).Distinct().Count());
        Assert.Equal(2, claimed.Select(c => c.Replica).Distinct().Count());
        var jobs = await a.Store.ListAsync(null, [GenerationStatus.Running], null, null, 100, Http.Ct);
        Assert.Equal(40, jobs.Count);
        Assert.All(jobs, j => Assert.NotNull(j.StartedAt));
    }

    [Fact]
    public async Task Lease_NotRenewed_LiveReplicaEndsTheJobInterrupted_AndTheFirstReplicasEndLoses()
    {
        await using var database = await PostgresTestDatabase.CreateAsync();
        await using var dead = Replica.Create(database, leaseSeconds: 3);
        await using var live = Replica.Create(database, leaseSeconds: 3);
        await dead.Store.InitializeAsync(Http.Ct);
        await dead.Store.InsertAsync(StoreUnderTest.Job("gen_a"), Http.Ct);
        var claim = await dead.Queue.ClaimNextAsync(Http.Ct);

        var (early, _) = await live.Store.RecoverAsync(Interrupted, "end", Http.Ct);
        await Task.Delay(TimeSpan.FromSeconds(3.5), Http.Ct);
        var (late, _) = await live.Store.RecoverAsync(Interrupted, "end", Http.Ct);
        var lateFinish = await dead.Store.TryFinishAsync("gen_a",
            new GenerationOutcome(GenerationStatus.Succeeded, null, null, new(0, 0, 0), null), [GenerationStatus.Running], "end", Http.Ct);

        Assert.Equal("gen_a", claim.Id);
        Assert.Empty(early);
        Assert.Equal(["gen_a"], late);
        Assert.False(lateFinish);
        Assert.Equal(GenerationStatus.Interrupted, (await live.Store.GetAsync("gen_a", Http.Ct))!.Status);
        Assert.Equal(["end"], (await live.Store.GetEventsAsync("gen_a", 0, Http.Ct)).Select(e => e.Name));
    }

    [Fact]
    public async Task Lease_Renewed_OutlivesItsLength()
    {
        await using var database = await PostgresTestDatabase.CreateAsync();
        await using var holder = Replica.Create(database, leaseSeconds: 3);
        await using var other = Replica.Create(database, leaseSeconds: 3);
        await holder.Store.InitializeAsync(Http.Ct);
        await holder.Store.InsertAsync(StoreUnderTest.Job("gen_a"), Http.Ct);
        var claim = await holder.Queue.ClaimNextAsync(Http.Ct);

        for (var i = 0; i < 5; i++)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), Http.Ct);
            await holder.Queue.RenewLeasesAsync(Http.Ct);
        }

        var (interrupted, _) = await other.Store.RecoverAsync(Interrupted, "end", Http.Ct);
        Assert.Empty(interrupted);
        Assert.False(claim.Cancelled.IsCancellationRequested);
        Assert.Equal(GenerationStatus.Running, (await other.Store.GetAsync("gen_a", Http.Ct))!.Status);
    }

    [Fact]
    public async Task Cancel_OnAnotherReplica_CancelsTheRunHere()
    {
        await using var database = await PostgresTestDatabase.CreateAsync();
        await using var runner = Replica.Create(database);
        await using var other = Replica.Create(database);
        await runner.Store.InitializeAsync(Http.Ct);
        await runner.Store.InsertAsync(StoreUnderTest.Job("gen_a"), Http.Ct);
        var claim = await runner.Queue.ClaimNextAsync(Http.Ct);

        var asked = await other.Queue.TryCancelRunningAsync("gen_a", Http.Ct);
        var before = claim.Cancelled.IsCancellationRequested;
        // The flag, read with the leases (the NOTIFY that does it sooner needs the replica's listener).
        await runner.Queue.RenewLeasesAsync(Http.Ct);

        Assert.True(asked);
        Assert.False(before);
        Assert.True(claim.Cancelled.IsCancellationRequested);
        Assert.False(await other.Queue.TryCancelRunningAsync("gen_missing", Http.Ct));
    }

    private sealed class Replica : IAsyncDisposable
    {
        private Replica(PostgresGenerationDatabase database)
        {
            Database = database;
            Store = new PostgresGenerationStore(database, TimeProvider.System);
            Queue = new PostgresGenerationQueue(database,
                Options.Create(new GenerationOptions { Store = "postgres", Postgres = new() { LeaseSeconds = database.LeaseSeconds, PollSeconds = 1 } }),
                TimeProvider.System, NullLogger<PostgresGenerationQueue>.Instance);
        }

        public PostgresGenerationDatabase Database { get; }
        public PostgresGenerationStore Store { get; }
        public PostgresGenerationQueue Queue { get; }

        public static Replica Create(PostgresTestDatabase database, int leaseSeconds = 30) =>
            new(StoreUnderTest.Replica(database.ConnectionString, leaseSeconds));

        public ValueTask DisposeAsync() => Database.DisposeAsync();
    }
}
