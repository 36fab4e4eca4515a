using System.Text.Json;
using EvoR.Api.Generations;
using EvoR.Api.Tests.Generations.Postgres;
using EvoR.Api.Tests.Support;

namespace EvoR.Api.Tests.Generations;

/// <summary>The store contract (<see cref="IGenerationStore"/>), the same tests on SQLite and on PostgreSQL.</summary>
public sealed class GenerationStoreContractTests
{
    private static readonly GenerationUsage Spent = new(300, 60, 3);

    [Theory]
    [MemberData(nameof(StoreUnderTest.Kinds), MemberType = typeof(StoreUnderTest))]
    public async Task Initialize_Again_KeepsTheJobs(string kind)
    {
        await using var under = await StoreUnderTest.CreateAsync(kind);
        await under.Store.InsertAsync(StoreUnderTest.Job("gen_kept"), Http.Ct);

        await under.Store.InitializeAsync(Http.Ct);

        Assert.NotNull(await under.Store.GetAsync("gen_kept", Http.Ct));
    }

    [Theory]
    [MemberData(nameof(StoreUnderTest.Kinds), MemberType = typeof(StoreUnderTest))]
    public async Task Insert_ThenGet_ReturnsTheJobAsWritten(string kind)
    {
        await using var under = await StoreUnderTest.CreateAsync(kind);
        var job = StoreUnderTest.Job("gen_a", owner: "alice");

        await under.Store.InsertAsync(job, Http.Ct);
        var read = await under.Store.GetAsync("gen_a", Http.Ct);

        Assert.NotNull(read);
        Assert.Equal(GenerationStatus.Queued, read.Status);
        Assert.Equal("alice", read.Owner);
        Assert.Equal(job.CreatedAt, read.CreatedAt);
        Assert.Equal(job.Spec, read.Spec with { VisibleTests = null, HiddenTests = null, Sources = null });
        Assert.Null(read.StartedAt);
        Assert.Null(await under.Store.GetAsync("gen_missing", Http.Ct));
    }

    [Theory]
    [MemberData(nameof(StoreUnderTest.Kinds), MemberType = typeof(StoreUnderTest))]
    public async Task TryStart_QueuedJob_StartsOnce(string kind)
    {
        await using var under = await StoreUnderTest.CreateAsync(kind);
        await under.Store.InsertAsync(StoreUnderTest.Job("gen_a"), Http.Ct);

        var first = await under.Store.TryStartAsync("gen_a", Http.Ct);
        var second = await under.Store.TryStartAsync("gen_a", Http.Ct);

        Assert.True(first);
        Assert.False(second);
        var job = await under.Store.GetAsync("gen_a", Http.Ct);
        Assert.Equal(GenerationStatus.Running, job!.Status);
        Assert.NotNull(job.StartedAt);
    }

    [Theory]
    [MemberData(nameof(StoreUnderTest.Kinds), MemberType = typeof(StoreUnderTest))]
    public async Task AppendEvents_NumberedFromOne_ReadAfterASequenceNumber(string kind)
    {
        await using var under = await StoreUnderTest.CreateAsync(kind);
        await under.Store.InsertAsync(StoreUnderTest.Job("gen_a"), Http.Ct);
        await under.Store.InsertAsync(StoreUnderTest.Job("gen_b"), Http.Ct);
        await under.Store.TryStartAsync("gen_a", Http.Ct);

        var seqs = new[]
        {
            await under.Store.AppendEventAsync("gen_a", "note", "{\"n\":1}", Http.Ct),
            await under.Store.AppendRoundAsync("gen_a", "round", "{\"n\":2}", Spent, Http.Ct),
            await under.Store.AppendEventAsync("gen_b", "note", "{\"n\":3}", Http.Ct),
        };

        Assert.Equal([1L, 2L, 1L], seqs);
        Assert.Equal([(1L, "note", "{\"n\":1}"), (2L, "round", "{\"n\":2}")],
            (await under.Store.GetEventsAsync("gen_a", 0, Http.Ct)).Select(e => (e.Sequence, e.Name, e.Data)));
        Assert.Equal([2L], (await under.Store.GetEventsAsync("gen_a", 1, Http.Ct)).Select(e => e.Sequence));
        Assert.Equal(Spent, (await under.Store.GetAsync("gen_a", Http.Ct))!.Usage);
    }

    [Theory]
    [MemberData(nameof(StoreUnderTest.Kinds), MemberType = typeof(StoreUnderTest))]
    public async Task TryFinish_FromAnAllowedStatusOnly_WritesOneEndEventWithTheStatus(string kind)
    {
        await using var under = await StoreUnderTest.CreateAsync(kind);
        await under.Store.InsertAsync(StoreUnderTest.Job("gen_a"), Http.Ct);
        var failed = new GenerationOutcome(GenerationStatus.Failed, null, null, Spent,
            new GenerationError("urn:evor:problem:llm-call-failed", "LLM call failed", "it failed"));

        var fromRunning = await under.Store.TryFinishAsync("gen_a", failed, [GenerationStatus.Running], "end", Http.Ct);
        var fromQueued = await under.Store.TryFinishAsync("gen_a", failed, [GenerationStatus.Queued], "end", Http.Ct);
        var again = await under.Store.TryFinishAsync("gen_a", failed, [GenerationStatus.Queued, GenerationStatus.Running], "end", Http.Ct);

        Assert.False(fromRunning);
        Assert.True(fromQueued);
        Assert.False(again);
        var job = await under.Store.GetAsync("gen_a", Http.Ct);
        Assert.Equal(GenerationStatus.Failed, job!.Status);
        Assert.Equal(Spent, job.Usage);
        Assert.Equal("it failed", job.Error!.Detail);
        Assert.NotNull(job.FinishedAt);
        var end = Assert.Single(await under.Store.GetEventsAsync("gen_a", 0, Http.Ct));
        Assert.Equal("end", end.Name);
        using var data = JsonDocument.Parse(end.Data);
        Assert.Equal("failed", data.RootElement.GetProperty("status").GetString());
        Assert.Equal(3, data.RootElement.GetProperty("usage").GetProperty("llmCalls").GetInt32());
    }

    [Theory]
    [MemberData(nameof(StoreUnderTest.Kinds), MemberType = typeof(StoreUnderTest))]
    public async Task TryFinish_TwoAtOnce_OneWinsWithOneEndEvent(string kind)
    {
        await using var under = await StoreUnderTest.CreateAsync(kind);
        await under.Store.InsertAsync(StoreUnderTest.Job("gen_a"), Http.Ct);
        await under.Store.TryStartAsync("gen_a", Http.Ct);
        var succeeded = new GenerationOutcome(GenerationStatus.Succeeded,
            new GenerationAnswer("def f(): pass", "scripted", 1, "clean", "v1", "hash"), new GenerationScore("passed", true), Spent, null);
        var cancelled = new GenerationOutcome(GenerationStatus.Cancelled, null, null, Spent, null);

        var wins = await Task.WhenAll(
            Task.Run(() => under.Store.TryFinishAsync("gen_a", succeeded, [GenerationStatus.Running], "end", Http.Ct)),
            Task.Run(() => under.Store.TryFinishAsync("gen_a", cancelled, [GenerationStatus.Running], "end", Http.Ct)));

        Assert.Single(wins, w => w);
        var job = await under.Store.GetAsync("gen_a", Http.Ct);
        var end = Assert.Single(await under.Store.GetEventsAsync("gen_a", 0, Http.Ct));
        using var data = JsonDocument.Parse(end.Data);
        Assert.Equal(job!.Status.ToString().ToLowerInvariant(), data.RootElement.GetProperty("status").GetString());
        Assert.Equal(wins[0] ? "def f(): pass" : null, job.Answer?.Code);
    }

    [Theory]
    [MemberData(nameof(StoreUnderTest.Kinds), MemberType = typeof(StoreUnderTest))]
    public async Task Recover_RunningJobNobodyRuns_InterruptedOnce_QueuedReturnedOldestFirst(string kind)
    {
        await using var under = await StoreUnderTest.CreateAsync(kind);
        var t0 = DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000);
        await under.Store.InsertAsync(StoreUnderTest.Job("gen_running", t0), Http.Ct);
        await under.Store.InsertAsync(StoreUnderTest.Job("gen_queued_2", t0.AddSeconds(2)), Http.Ct);
        await under.Store.InsertAsync(StoreUnderTest.Job("gen_queued_1", t0.AddSeconds(1)), Http.Ct);
        await under.Store.TryStartAsync("gen_running", Http.Ct);
        await under.Store.AppendRoundAsync("gen_running", "round", "{}", Spent, Http.Ct);

        var (interrupted, queued) = await under.Store.RecoverAsync(
            job => new GenerationOutcome(GenerationStatus.Interrupted, null, null, job.Usage, GenerationErrors.StoppedWhileRunning), "end", Http.Ct);
        var (again, _) = await under.Store.RecoverAsync(
            job => new GenerationOutcome(GenerationStatus.Interrupted, null, null, job.Usage, GenerationErrors.StoppedWhileRunning), "end", Http.Ct);

        Assert.Equal(["gen_running"], interrupted);
        Assert.Equal(["gen_queued_1", "gen_queued_2"], queued);
        Assert.Empty(again);
        var job = await under.Store.GetAsync("gen_running", Http.Ct);
        Assert.Equal(GenerationStatus.Interrupted, job!.Status);
        Assert.Equal(Spent, job.Usage);
        Assert.Equal(["round", "end"], (await under.Store.GetEventsAsync("gen_running", 0, Http.Ct)).Select(e => e.Name));
    }

    [Theory]
    [MemberData(nameof(StoreUnderTest.Kinds), MemberType = typeof(StoreUnderTest))]
    public async Task List_FiltersByOwnerStatusAndMethod_PagesNewestFirst(string kind)
    {
        await using var under = await StoreUnderTest.CreateAsync(kind);
        var t0 = DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000);
        for (var i = 0; i < 5; i++)
        {
            await under.Store.InsertAsync(StoreUnderTest.Job($"gen_{i}", t0.AddSeconds(i), owner: i == 4 ? "bob" : "alice",
                method: i % 2 == 0 ? "vanilla" : "evor"), Http.Ct);
        }

        await under.Store.InsertAsync(StoreUnderTest.Job("gen_open", t0.AddSeconds(10)), Http.Ct);
        await under.Store.TryFinishAsync("gen_1", new GenerationOutcome(GenerationStatus.Cancelled, null, null, new(0, 0, 0), null),
            [GenerationStatus.Queued], "end", Http.Ct);

        var first = await under.Store.ListAsync("alice", [], null, null, 2, Http.Ct);
        var second = await under.Store.ListAsync("alice", [], null, (first[^1].CreatedAt, first[^1].Id), 10, Http.Ct);
        var cancelled = await under.Store.ListAsync("alice", [GenerationStatus.Cancelled], null, null, 10, Http.Ct);
        var vanilla = await under.Store.ListAsync("alice", [GenerationStatus.Queued], "vanilla", null, 10, Http.Ct);

        Assert.Equal(["gen_open", "gen_3"], first.Select(j => j.Id));
        Assert.Equal(["gen_2", "gen_1", "gen_0"], second.Select(j => j.Id));
        Assert.Equal(["gen_1"], cancelled.Select(j => j.Id));
        Assert.Equal(["gen_open", "gen_2", "gen_0"], vanilla.Select(j => j.Id));
    }
}
