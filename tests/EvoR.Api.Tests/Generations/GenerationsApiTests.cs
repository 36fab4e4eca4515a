using System.Net;
using System.Text.Json;
using EvoR.Api.Tests.Support;
using EvoR.Testing;

namespace EvoR.Api.Tests.Generations;

/// <summary>Generation jobs through the real app, the real sandbox and the OpenAI connector on a scripted server.</summary>
public sealed class GenerationsApiTests
{
    [Fact]
    public async Task Create_Vanilla_SucceedsWithAnswerScoreAndUsage()
    {
        await using var host = await GenerationHost.StartAsync();

        var id = await host.Client.CreateAsync(Fixtures.Request("vanilla"));
        var job = await host.Client.WaitForAsync(id);

        Assert.True(job.GetProperty("status").GetString() == "succeeded", job.ToString());
        var answer = job.GetProperty("answer");
        Assert.Contains("return bucket.fetch(key)", answer.GetProperty("code").GetString(), StringComparison.Ordinal);
        Assert.Contains("class Bucket:", answer.GetProperty("code").GetString(), StringComparison.Ordinal);
        Assert.Equal("scripted", answer.GetProperty("source").GetString());
        Assert.Equal("passed", job.GetProperty("score").GetProperty("verdict").GetString());
        Assert.True(job.GetProperty("score").GetProperty("passed").GetBoolean());
        var calls = host.Server.Requests.Count;
        Assert.Equal(1, calls);
        var usage = job.GetProperty("usage");
        Assert.Equal(ScriptedCoder.PromptTokens * calls, usage.GetProperty("promptTokens").GetInt64());
        Assert.Equal(ScriptedCoder.CompletionTokens * calls, usage.GetProperty("completionTokens").GetInt64());
        Assert.Single(job.GetProperty("rounds").EnumerateArray());
        Assert.True(job.GetProperty("problem").GetProperty("hasHiddenTests").GetBoolean());
        Assert.DoesNotContain(Fixtures.HiddenMarker, job.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_EvoRFailingThenFixed_StreamsEveryRoundAndNeverShowsHiddenTests()
    {
        await using var host = await GenerationHost.StartAsync();
        host.Coder.Programs.Enqueue(Fixtures.BadReply);

        var id = await host.Client.CreateAsync(Fixtures.Request("evor", "\"knowledgeBase\": \"docs\", \"maxRounds\": 3"));
        var events = await host.Client.ReadEventsAsync(id);
        var job = await host.Client.GetJobAsync(id);

        Assert.Equal(["round", "round", "end"], events.Select(e => e.Name));
        Assert.Equal([1L, 2L, 3L], events.Select(e => e.Id));
        Assert.Equal(0, events[0].Data.GetProperty("round").GetInt32());
        Assert.False(events[0].Data.GetProperty("ranClean").GetBoolean());
        Assert.True(events[1].Data.GetProperty("ranClean").GetBoolean());
        Assert.NotEmpty(events[0].Data.GetProperty("retrieved").EnumerateArray());
        var end = events[^1].Data;
        Assert.Equal("succeeded", end.GetProperty("status").GetString());
        Assert.True(end.GetProperty("score").GetProperty("passed").GetBoolean());
        Assert.Equal(job.GetProperty("answer").GetProperty("code").GetString(), end.GetProperty("answer").GetProperty("code").GetString());
        Assert.Equal(1, job.GetProperty("answer").GetProperty("round").GetInt32());
        Assert.Equal(2, job.GetProperty("rounds").GetArrayLength());

        // Hidden tests: in no prompt, no event, no view.
        Assert.NotEmpty(host.Prompts);
        Assert.All(host.Prompts, p => Assert.DoesNotContain(Fixtures.HiddenMarker, p, StringComparison.Ordinal));
        Assert.All(host.Prompts, p => Assert.DoesNotContain(Fixtures.HiddenAssert, p, StringComparison.Ordinal));
        Assert.All(events, e => Assert.DoesNotContain(Fixtures.HiddenMarker, e.Data.GetRawText(), StringComparison.Ordinal));
        Assert.All(events, e => Assert.DoesNotContain("'b') == 2", e.Data.GetRawText(), StringComparison.Ordinal));
        Assert.DoesNotContain(Fixtures.HiddenMarker, job.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Events_FinishedJob_ReplayFromTheStartAndAfterLastEventId()
    {
        await using var host = await GenerationHost.StartAsync();
        host.Coder.Programs.Enqueue(Fixtures.BadReply);
        var id = await host.Client.CreateAsync(Fixtures.Request("evor", "\"knowledgeBase\": \"docs\""));
        await host.Client.WaitForAsync(id, "succeeded");

        var all = await host.Client.ReadEventsAsync(id);
        var again = await host.Client.ReadEventsAsync(id);
        var afterFirst = await host.Client.ReadEventsAsync(id, lastEventId: "1");
        var afterAll = await host.Client.ReadEventsAsync(id, lastEventId: all[^1].Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var byQuery = await host.Client.GetAsync($"/v1/generations/{id}/events?lastEventId=2", Http.Ct);
        var byQueryText = await byQuery.Content.ReadAsStringAsync(Http.Ct);

        Assert.Equal(3, all.Count);
        Assert.Equal(all.Select(e => (e.Id, e.Name, e.Data.GetRawText())), again.Select(e => (e.Id, e.Name, e.Data.GetRawText())));
        Assert.Equal(all.Skip(1).Select(e => (e.Id, e.Name, e.Data.GetRawText())), afterFirst.Select(e => (e.Id, e.Name, e.Data.GetRawText())));
        Assert.Empty(afterAll); // nothing after the end event: the stream closes at once
        Assert.DoesNotContain("id: 2\n", byQueryText, StringComparison.Ordinal);
        Assert.Contains("id: 3\nevent: end\n", byQueryText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Events_RunningJob_StreamsRoundsAsTheyHappenThenEnds()
    {
        await using var host = await GenerationHost.StartAsync();
        host.Coder.ProgramDelay = TimeSpan.FromMilliseconds(300);
        host.Coder.Programs.Enqueue(Fixtures.BadReply);

        var id = await host.Client.CreateAsync(Fixtures.Request("evor", "\"knowledgeBase\": \"docs\""));
        var events = await host.Client.ReadEventsAsync(id);

        Assert.Equal(["round", "round", "end"], events.Select(e => e.Name));
        Assert.Equal("succeeded", events[^1].Data.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Delete_RunningJob_EndsCancelledAndASecondDeleteConflicts()
    {
        await using var host = await GenerationHost.StartAsync();
        host.Coder.ProgramDelay = TimeSpan.FromMinutes(5);
        var id = await host.Client.CreateAsync(Fixtures.Request("vanilla"));
        await host.Client.WaitForAsync(id, "running");
        await Eventually.HoldsAsync(() => host.Server.Requests.Count > 0, "the job called the model", TimeSpan.FromSeconds(60), Http.Ct);

        using var cancel = await host.Client.DeleteAsync($"/v1/generations/{id}", Http.Ct);
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        var job = await host.Client.WaitForAsync(id);
        var events = await host.Client.ReadEventsAsync(id);
        using var again = await host.Client.DeleteAsync($"/v1/generations/{id}", Http.Ct);

        Assert.Equal("cancelled", job.GetProperty("status").GetString());
        Assert.False(job.TryGetProperty("answer", out var answer) && answer.ValueKind != JsonValueKind.Null);
        Assert.Equal("cancelled", Assert.Single(events).Data.GetProperty("status").GetString());
        var problem = await again.AssertProblemAsync(HttpStatusCode.Conflict, "generation-finished");
        Assert.Equal("cancelled", problem.GetProperty("jobStatus").GetString());
    }

    [Fact]
    public async Task Delete_QueuedJob_CancelledAtOnce()
    {
        await using var host = await GenerationHost.StartAsync(new() { ["Generations:Workers"] = "1" });
        host.Coder.ProgramDelay = TimeSpan.FromMinutes(5);
        var first = await host.Client.CreateAsync(Fixtures.Request("vanilla"));
        await host.Client.WaitForAsync(first, "running");
        var second = await host.Client.CreateAsync(Fixtures.Request("vanilla"));

        using var cancel = await host.Client.DeleteAsync($"/v1/generations/{second}", Http.Ct);
        var body = await cancel.ReadJsonAsync();
        using var cleanup = await host.Client.DeleteAsync($"/v1/generations/{first}", Http.Ct);

        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        Assert.Equal("cancelled", body.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("startedAt").ValueKind);
        Assert.Equal("cancelled", (await host.Client.WaitForAsync(first)).GetProperty("status").GetString());
        Assert.Equal("cancelled", (await host.Client.GetJobAsync(second)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Create_QueueFull_503WithRetryAfter()
    {
        await using var host = await GenerationHost.StartAsync(new()
        {
            ["Generations:Workers"] = "1",
            ["Generations:QueueLimit"] = "1",
            ["Generations:RetryAfterSeconds"] = "7",
        });
        host.Coder.ProgramDelay = TimeSpan.FromMinutes(5);
        var running = await host.Client.CreateAsync(Fixtures.Request("vanilla"));
        var waiting = await host.Client.CreateAsync(Fixtures.Request("vanilla"));

        using var refused = await host.Client.PostGenerationAsync(Fixtures.Request("vanilla"));
        var problem = await refused.AssertProblemAsync(HttpStatusCode.ServiceUnavailable, "generations-busy");

        Assert.Equal("7", refused.Headers.GetValues("Retry-After").Single());
        Assert.Equal(7, problem.GetProperty("retryAfterSeconds").GetInt32());
        foreach (var id in new[] { waiting, running })
        {
            using var _ = await host.Client.DeleteAsync($"/v1/generations/{id}", Http.Ct);
        }

        // Room again once they ended.
        await host.Client.WaitForAsync(running);
        host.Coder.ProgramDelay = TimeSpan.Zero;
        var next = await host.Client.CreateAsync(Fixtures.Request("vanilla"));
        Assert.Equal("succeeded", (await host.Client.WaitForAsync(next)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Create_TokenBudgetSpent_FailsWithoutAnotherCall()
    {
        await using var host = await GenerationHost.StartAsync();

        // EvoR asks for test inputs first (120 tokens), which spends the budget of 100 before the program is asked for.
        var id = await host.Client.CreateAsync(Fixtures.Request("evor", "\"tokenBudget\": 100"));
        var job = await host.Client.WaitForAsync(id);

        Assert.Equal("failed", job.GetProperty("status").GetString());
        Assert.Equal("urn:evor:problem:token-budget-exceeded", job.GetProperty("error").GetProperty("type").GetString());
        Assert.Single(host.Server.Requests);
        Assert.Equal(ScriptedCoder.PromptTokens, job.GetProperty("usage").GetProperty("promptTokens").GetInt64());
    }

    [Fact]
    public async Task Create_TimeBudgetSpent_Fails()
    {
        await using var host = await GenerationHost.StartAsync();
        host.Coder.ProgramDelay = TimeSpan.FromMinutes(5);

        var id = await host.Client.CreateAsync(Fixtures.Request("vanilla", "\"timeBudgetSeconds\": 1"));
        var job = await host.Client.WaitForAsync(id);

        Assert.Equal("failed", job.GetProperty("status").GetString());
        Assert.Equal("urn:evor:problem:time-budget-exceeded", job.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal(1, job.GetProperty("budgets").GetProperty("timeBudgetSeconds").GetInt32());
    }

    [Fact]
    public async Task Create_LlmOverrides_ReachTheModel()
    {
        await using var host = await GenerationHost.StartAsync();

        var id = await host.Client.CreateAsync(Fixtures.Request("vanilla", "\"llm\": { \"temperature\": 0.7, \"maxOutputTokens\": 64 }"));
        await host.Client.WaitForAsync(id, "succeeded");

        var body = Assert.Single(host.Server.Requests).Body;
        Assert.Equal(0.7, body.GetProperty("temperature").GetDouble(), 3);
        var maxTokens = body.TryGetProperty("max_completion_tokens", out var m) ? m : body.GetProperty("max_tokens");
        Assert.Equal(64, maxTokens.GetInt32());
    }

    [Fact]
    public async Task Get_MetricsAfterAJob_CountJobsByMethodAndStatus()
    {
        await using var host = await GenerationHost.StartAsync();
        var id = await host.Client.CreateAsync(Fixtures.Request("vanilla"));
        await host.Client.WaitForAsync(id, "succeeded");

        var text = await host.Client.GetStringAsync("/metrics", Http.Ct);
        var lines = text.Split('\n');

        Assert.Contains(lines, l => l.StartsWith("evor_generations_jobs_finished_total{", StringComparison.Ordinal)
            && l.Contains("evor_method=\"vanilla\"", StringComparison.Ordinal) && l.Contains("evor_status=\"succeeded\"", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("evor_generations_job_duration_seconds_count{", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("evor_generations_queue_depth", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Get_WithKeys_AJobIsVisibleToItsOwnKeyOnly()
    {
        await using var host = await GenerationHost.StartAsync(ApiFactory.WithKeys());
        using var create = await host.Client.PostGenerationAsync(Fixtures.Request("vanilla"), ApiFactory.ValidKey);
        var id = (await create.ReadJsonAsync()).GetProperty("id").GetString()!;

        using var mine = await host.Client.GetAsync($"/v1/generations/{id}", ApiFactory.ValidKey);
        using var theirs = await host.Client.GetAsync($"/v1/generations/{id}", ApiFactory.OtherKey);

        Assert.Equal(HttpStatusCode.Accepted, create.StatusCode);
        Assert.Equal(HttpStatusCode.OK, mine.StatusCode);
        await theirs.AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
    }
}
