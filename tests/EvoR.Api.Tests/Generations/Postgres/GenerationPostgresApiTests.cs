using System.Net;
using EvoR.Api.Tests.Support;

namespace EvoR.Api.Tests.Generations.Postgres;

/// <summary>The generation endpoints with <c>Generations:Store=postgres</c>, on the real app (process sandbox, scripted
/// model): what the SQLite tests check, on PostgreSQL: rounds, events and replay; cancellation of a queued and of a
/// running job; a full queue; a restart that interrupts the running job and runs the queued one.</summary>
public sealed class GenerationPostgresApiTests
{
    [Fact]
    public async Task Create_EvoRFailingThenFixed_EventsReplayAndSurviveARestart()
    {
        await using var database = await PostgresTestDatabase.CreateAsync();
        await using var host = await StartAsync(database);
        host.Coder.Programs.Enqueue(Fixtures.BadReply);

        var id = await host.Client.CreateAsync(Fixtures.Request("evor", "\"knowledgeBase\": \"docs\""));
        var before = await host.Client.WaitForAsync(id, "succeeded");
        var events = await host.Client.ReadEventsAsync(id);
        var resumed = await host.Client.ReadEventsAsync(id, lastEventId: "1");
        await host.RestartAsync();
        var after = await host.Client.GetJobAsync(id);
        var eventsAfter = await host.Client.ReadEventsAsync(id);

        Assert.Equal(["round", "round", "end"], events.Select(e => e.Name));
        Assert.Equal([1L, 2L, 3L], events.Select(e => e.Id));
        Assert.Equal([2L, 3L], resumed.Select(e => e.Id));
        Assert.True(before.GetProperty("score").GetProperty("passed").GetBoolean());
        Assert.Equal(before.GetRawText(), after.GetRawText());
        Assert.Equal(events.Select(e => e.Data.GetRawText()), eventsAfter.Select(e => e.Data.GetRawText()));
        Assert.DoesNotContain(Fixtures.HiddenMarker, string.Join("\n", host.Prompts));
    }

    [Fact]
    public async Task Delete_QueuedThenRunningJob_CancelledAtOnceThenWhenItStops()
    {
        await using var database = await PostgresTestDatabase.CreateAsync();
        await using var host = await StartAsync(database, workers: 1);
        host.Coder.ProgramDelay = TimeSpan.FromMinutes(5);
        var running = await host.Client.CreateAsync(Fixtures.Request("vanilla"));
        await host.Client.WaitForAsync(running, "running");
        var queued = await host.Client.CreateAsync(Fixtures.Request("vanilla"));

        using var cancelQueued = await host.Client.DeleteAsync($"/v1/generations/{queued}", Http.Ct);
        using var cancelRunning = await host.Client.DeleteAsync($"/v1/generations/{running}", Http.Ct);
        var ended = await host.Client.WaitForAsync(running);

        Assert.Equal(HttpStatusCode.OK, cancelQueued.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, cancelRunning.StatusCode);
        Assert.Equal("cancelled", (await host.Client.GetJobAsync(queued)).GetProperty("status").GetString());
        Assert.Equal("cancelled", ended.GetProperty("status").GetString());
        Assert.Equal("cancelled", Assert.Single(await host.Client.ReadEventsAsync(running)).Data.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Create_QueueFull_503WithRetryAfter()
    {
        await using var database = await PostgresTestDatabase.CreateAsync();
        await using var host = await StartAsync(database, workers: 1, queueLimit: 1);
        host.Coder.ProgramDelay = TimeSpan.FromMinutes(5);
        var running = await host.Client.CreateAsync(Fixtures.Request("vanilla"));
        await host.Client.WaitForAsync(running, "running");
        await host.Client.CreateAsync(Fixtures.Request("vanilla"));

        using var refused = await host.Client.PostGenerationAsync(Fixtures.Request("vanilla"));

        await refused.AssertProblemAsync(HttpStatusCode.ServiceUnavailable, "generations-busy");
        Assert.NotNull(refused.Headers.RetryAfter);
    }

    [Fact]
    public async Task Restart_RunningJobInterruptedAtTheStop_QueuedJobRunsAfterwards()
    {
        await using var database = await PostgresTestDatabase.CreateAsync();
        await using var host = await StartAsync(database, workers: 1);
        host.Coder.ProgramDelay = TimeSpan.FromMinutes(5);
        var running = await host.Client.CreateAsync(Fixtures.Request("vanilla"));
        await host.Client.WaitForAsync(running, "running");
        var queued = await host.Client.CreateAsync(Fixtures.Request("vanilla"));

        host.Coder.ProgramDelay = TimeSpan.Zero;
        await host.RestartAsync();
        var interrupted = await host.Client.GetJobAsync(running);
        var ran = await host.Client.WaitForAsync(queued);

        Assert.Equal("interrupted", interrupted.GetProperty("status").GetString());
        Assert.Equal("urn:evor:problem:generation-interrupted", interrupted.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal("interrupted", Assert.Single(await host.Client.ReadEventsAsync(running)).Data.GetProperty("status").GetString());
        Assert.Equal("succeeded", ran.GetProperty("status").GetString());
    }

    private static async Task<GenerationHost> StartAsync(PostgresTestDatabase database, int workers = 2, int queueLimit = 32) =>
        await GenerationHost.StartAsync(new()
        {
            ["Generations:Store"] = "postgres",
            ["ConnectionStrings:EvoR"] = database.ConnectionString,
            ["Generations:Workers"] = workers.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Generations:QueueLimit"] = queueLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Generations:Postgres:PollSeconds"] = "1",
        });
}
