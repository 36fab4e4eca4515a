using EvoR.Api.Generations;
using EvoR.Pipeline.Generation;
using EvoR.Api.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace EvoR.Api.Tests.Generations;

/// <summary>Jobs survive a restart of the service: the same SQLite file keeps results and events; a job that was
/// running is marked interrupted, a queued one runs after the restart.</summary>
public sealed class GenerationRestartTests
{
    [Fact]
    public async Task Restart_FinishedJob_StillReadableWithItsEvents()
    {
        await using var host = await GenerationHost.StartAsync();
        host.Coder.Programs.Enqueue(Fixtures.BadReply);
        var id = await host.Client.CreateAsync(Fixtures.Request("evor", "\"knowledgeBase\": \"docs\""));
        var before = await host.Client.WaitForAsync(id, "succeeded");
        var eventsBefore = await host.Client.ReadEventsAsync(id);

        await host.RestartAsync();
        var after = await host.Client.GetJobAsync(id);
        var eventsAfter = await host.Client.ReadEventsAsync(id);
        var resumed = await host.Client.ReadEventsAsync(id, lastEventId: "1");

        Assert.Equal(before.GetRawText(), after.GetRawText());
        Assert.Equal(3, eventsAfter.Count);
        Assert.Equal(eventsBefore.Select(e => (e.Id, e.Name, e.Data.GetRawText())), eventsAfter.Select(e => (e.Id, e.Name, e.Data.GetRawText())));
        Assert.Equal([2L, 3L], resumed.Select(e => e.Id));
    }

    [Fact]
    public async Task Restart_RunningJobInterruptedAndQueuedJobRunsAfterwards()
    {
        await using var host = await GenerationHost.StartAsync(new() { ["Generations:Workers"] = "1" });
        host.Coder.ProgramDelay = TimeSpan.FromMinutes(5);
        var running = await host.Client.CreateAsync(Fixtures.Request("vanilla"));
        await host.Client.WaitForAsync(running, "running");
        var queued = await host.Client.CreateAsync(Fixtures.Request("vanilla"));

        host.Coder.ProgramDelay = TimeSpan.Zero;
        await host.RestartAsync();
        var interrupted = await host.Client.GetJobAsync(running);
        var ran = await host.Client.WaitForAsync(queued);
        var events = await host.Client.ReadEventsAsync(running);

        Assert.Equal("interrupted", interrupted.GetProperty("status").GetString());
        Assert.Equal("urn:evor:problem:generation-interrupted", interrupted.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal("interrupted", Assert.Single(events).Data.GetProperty("status").GetString());
        Assert.Equal("succeeded", ran.GetProperty("status").GetString());
        Assert.True(ran.GetProperty("score").GetProperty("passed").GetBoolean());
    }

    [Fact]
    public async Task Start_JobLeftRunningByADeadProcess_MarkedInterrupted()
    {
        await GenerationHost.SkipIfNoSandboxAsync();
        var folder = Directory.CreateTempSubdirectory("evor-generations-crash-").FullName;
        try
        {
            // What a process that died mid-run leaves behind: a job marked running, and one still queued.
            var path = Path.Combine(folder, "generations.db");
            var dead = new SqliteGenerationStore(Options.Create(new GenerationOptions { DatabasePath = path }), new Environment(folder), TimeProvider.System);
            await dead.InitializeAsync(Http.Ct);
            await dead.InsertAsync(Job("gen_dead_running"), Http.Ct);
            await dead.TryStartAsync("gen_dead_running", Http.Ct);
            await dead.InsertAsync(Job("gen_dead_queued"), Http.Ct);
            dead.Dispose();

            await using var host = await GenerationHost.StartAsync(new() { ["Generations:DatabasePath"] = path });
            var interrupted = await host.Client.GetJobAsync("gen_dead_running");
            var requeued = await host.Client.WaitForAsync("gen_dead_queued");

            Assert.Equal("interrupted", interrupted.GetProperty("status").GetString());
            Assert.Equal("interrupted", Assert.Single(await host.Client.ReadEventsAsync("gen_dead_running")).Data.GetProperty("status").GetString());
            Assert.Equal("succeeded", requeued.GetProperty("status").GetString());
            Assert.Contains(host.Factory.Logs.GetSnapshot(), r => r.Id.Id == 1206);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Start_JobKilledAfterARound_KeepsTheUsageOfItsRounds()
    {
        await using var host = await GenerationHost.StartAsync();
        // Round 1 fails (the bad program), round 2's program never comes: the job stays running after one round.
        host.Coder.Programs.Enqueue(Fixtures.BadReply);
        host.Coder.UndelayedPrograms = 1;
        host.Coder.ProgramDelay = TimeSpan.FromMinutes(5);
        var id = await host.Client.CreateAsync(Fixtures.Request("evor", "\"knowledgeBase\": \"docs\""));
        var running = await WaitForRoundsAsync(host.Client, id, 1);

        // What kill -9 leaves: the database as it is now, opened by a new process that never saw the job end.
        var snapshot = Path.Combine(host.Folder, "killed.db");
        await using (var source = new SqliteConnection($"Data Source={host.DatabasePath};Pooling=False"))
        await using (var target = new SqliteConnection($"Data Source={snapshot};Pooling=False"))
        {
            await source.OpenAsync(Http.Ct);
            await target.OpenAsync(Http.Ct);
            source.BackupDatabase(target);
        }

        await using var after = await GenerationHost.StartAsync(new() { ["Generations:DatabasePath"] = snapshot });
        var job = await after.Client.GetJobAsync(id);

        var roundCalls = job.GetProperty("rounds").EnumerateArray().Sum(r => r.GetProperty("llmCalls").GetInt32());
        var usage = job.GetProperty("usage");
        var calls = usage.GetProperty("llmCalls").GetInt32();
        Assert.Equal("running", running.GetProperty("status").GetString());
        Assert.Equal("interrupted", job.GetProperty("status").GetString());
        Assert.Single(job.GetProperty("rounds").EnumerateArray());
        Assert.True(roundCalls > 0, job.ToString());
        Assert.True(calls >= roundCalls, job.ToString());
        Assert.Equal(calls * (long)ScriptedCoder.PromptTokens, usage.GetProperty("promptTokens").GetInt64());
        Assert.Equal(calls * (long)ScriptedCoder.CompletionTokens, usage.GetProperty("completionTokens").GetInt64());
        var end = (await after.Client.ReadEventsAsync(id))[^1];
        Assert.Equal(calls, end.Data.GetProperty("usage").GetProperty("llmCalls").GetInt32());
    }

    private static async Task<System.Text.Json.JsonElement> WaitForRoundsAsync(HttpClient client, string id, int rounds)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(Http.Ct);
        limit.CancelAfter(TimeSpan.FromSeconds(90));
        while (true)
        {
            var job = await client.GetJobAsync(id);
            if (job.GetProperty("rounds").GetArrayLength() >= rounds)
            {
                return job;
            }

            await Task.Delay(50, limit.Token);
        }
    }

    private static GenerationJobRecord Job(string id) => new()
    {
        Id = id,
        Status = GenerationStatus.Queued,
        CreatedAt = TimeProvider.System.GetUtcNow(),
        Spec = new GenerationJobSpec
        {
            Description = "Write get_value(bucket, key) that returns the value stored under key in a pondlet Bucket.",
            Language = "python",
            CodeContext = Fixtures.CodeContext,
            Style = ProgramStyle.Function,
            Method = "vanilla",
            TimeBudgetSeconds = 60,
            TokenBudget = 10_000,
        },
    };

    private sealed class Environment(string root) : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = "Test";
        public string ApplicationName { get; set; } = "EvoR.Api.Tests";
        public string ContentRootPath { get; set; } = root;
        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
    }
}
