using System.Net;
using System.Text.Json;
using EvoR.Api.Tests.Support;

namespace EvoR.Api.Tests.Generations;

/// <summary>A job a person can read: <c>outcome</c> and <c>summary</c>, compact rounds with the full trace on
/// request, and one (camelCase) casing for every enum value in the view and in the events.</summary>
public sealed class GenerationReadoutTests
{
    public static TheoryData<string, string[], bool, string, string, string> Outcomes => new()
    {
        // method, programs the model writes, hidden tests?, extra request members, outcome, summary start
        { "vanilla", [Fixtures.GoodReply], true, "", "passed", "Passed the hidden tests with the answer from round 1 of 1 round" },
        { "vanilla", [Fixtures.BadReply], true, "", "failed", "Failed the hidden tests (verdict " },
        { "evor", [Fixtures.GoodReply], false, "", "ranClean", "No hidden tests to score it; the answer from round 1 of 1 round, stopped: clean, ran clean" },
        { "evor", [Fixtures.BadReply], false, "\"maxRounds\": 1", "ranWithErrors", "No hidden tests to score it; the answer from round 1 of 1 round, stopped: budget, did not run clean (verdict " },
        { "evor", [Fixtures.GoodReply], true, "\"tokenBudget\": 1", "noAnswer", "No answer: the job failed after 0 rounds (Token budget exceeded)" },
    };

    [Theory]
    [MemberData(nameof(Outcomes))]
    public async Task Get_FinishedJob_OutcomeAndSummarySayWhetherTheAnswerPassed(
        string method, string[] programs, bool hidden, string extra, string outcome, string summary)
    {
        await using var host = await GenerationHost.StartAsync();
        foreach (var program in programs)
        {
            host.Coder.Programs.Enqueue(program);
        }

        host.Coder.DefaultProgram = programs[^1];
        var id = await host.Client.CreateAsync(Fixtures.Request(method, extra, hidden));
        var job = await host.Client.WaitForAsync(id);

        Assert.True(job.GetProperty("outcome").GetString() == outcome, job.ToString());
        Assert.StartsWith(summary, job.GetProperty("summary").GetString(), StringComparison.Ordinal);
        Assert.EndsWith(" tokens.", job.GetProperty("summary").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_VanillaWithoutHiddenTests_Untested()
    {
        await using var host = await GenerationHost.StartAsync();

        var id = await host.Client.CreateAsync(Fixtures.Request("vanilla", hidden: false));
        var job = await host.Client.WaitForAsync(id);

        // Vanilla does not run its draft: nothing checked the answer, and the view says so instead of "passed".
        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        Assert.Equal("untested", job.GetProperty("outcome").GetString());
        Assert.Contains("untested", job.GetProperty("summary").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, job.GetProperty("score").ValueKind);
    }

    [Fact]
    public async Task Get_Rounds_CompactByDefaultFullTraceWithViewFull()
    {
        await using var host = await GenerationHost.StartAsync();
        host.Coder.Programs.Enqueue(Fixtures.BadReply);
        var id = await host.Client.CreateAsync(Fixtures.Request("evor", "\"knowledgeBase\": \"docs\", \"maxRounds\": 3"));
        await host.Client.WaitForAsync(id);

        var compact = await host.Client.GetJobAsync(id);
        var full = await GetAsync(host.Client, $"/v1/generations/{id}?view=full");

        var rounds = compact.GetProperty("rounds").EnumerateArray().ToList();
        Assert.Equal(2, rounds.Count);
        Assert.False(compact.TryGetProperty("trace", out _));
        Assert.All(rounds, r => Assert.False(r.TryGetProperty("program", out _), r.ToString()));
        // The bad program calls Bucket.get, which does not exist: an AttributeError.
        Assert.Equal("runtimeError", rounds[0].GetProperty("verdict").GetString());
        Assert.False(string.IsNullOrEmpty(rounds[0].GetProperty("error").GetString()));
        Assert.Equal("passed", rounds[1].GetProperty("verdict").GetString());
        Assert.Equal("clean", rounds[1].GetProperty("stop").GetString());
        Assert.True(rounds[0].GetProperty("retrieved").GetInt32() > 0);
        Assert.True(rounds[0].GetProperty("llmCalls").GetInt32() > 0);

        var trace = full.GetProperty("trace").EnumerateArray().ToList();
        Assert.Equal(2, trace.Count);
        Assert.Contains("bucket.get(key)", trace[0].GetProperty("program").GetString(), StringComparison.Ordinal);
        Assert.Equal(rounds[0].GetProperty("retrieved").GetInt32(), trace[0].GetProperty("retrieved").GetArrayLength());
        Assert.Equal(compact.GetProperty("rounds").GetRawText(), full.GetProperty("rounds").GetRawText());
        Assert.True(compact.GetRawText().Length < full.GetRawText().Length);
    }

    [Fact]
    public async Task Get_ViewNeitherCompactNorFull_400NamingView()
    {
        using var factory = new ApiFactory(new Dictionary<string, string?> { ["Embeddings:Enabled"] = "false" });
        using var client = factory.CreateClient();

        using var response = await client.GetAsync("/v1/generations/gen_x?view=everything", Http.Ct);

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-request");
        Assert.Equal("view", problem.GetProperty("field").GetString());
    }

    [Fact]
    public async Task EnumValues_OneCamelCaseCasingInViewEventsAndTrace()
    {
        await using var host = await GenerationHost.StartAsync();
        host.Coder.Programs.Enqueue(Fixtures.BadReply);
        var id = await host.Client.CreateAsync(Fixtures.Request("evor", "\"knowledgeBase\": \"docs\", \"maxRounds\": 3"));
        var events = await host.Client.ReadEventsAsync(id);
        var full = await GetAsync(host.Client, $"/v1/generations/{id}?view=full");

        Assert.Equal("clean", full.GetProperty("answer").GetProperty("stop").GetString());
        Assert.Equal("passed", full.GetProperty("score").GetProperty("verdict").GetString());
        var round = events[0].Data;
        Assert.Equal("fenced", round.GetProperty("extraction").GetString());
        Assert.Equal("runtimeError", round.GetProperty("verdicts")[0].GetProperty("verdict").GetString());
        Assert.Equal("documentation", round.GetProperty("retrieved")[0].GetProperty("source").GetString());
        Assert.Equal("clean", events[1].Data.GetProperty("stop").GetString());
        Assert.Equal("clean", events[^1].Data.GetProperty("answer").GetProperty("stop").GetString());
        Assert.Equal("passed", events[^1].Data.GetProperty("outcome").GetString());
        Assert.Equal(full.GetProperty("summary").GetString(), events[^1].Data.GetProperty("summary").GetString());
        // No value anywhere starts with a capital where the API writes an enum.
        foreach (var value in EnumMembers(full).Concat(events.SelectMany(e => EnumMembers(e.Data))))
        {
            Assert.True(value.Length > 0 && char.IsLower(value[0]), $"'{value}' is not camelCase");
        }
    }

    /// <summary>The string values of the members that carry enum values.</summary>
    private static IEnumerable<string> EnumMembers(JsonElement element)
    {
        string[] names = ["status", "outcome", "verdict", "stop", "extraction", "source", "foundBy"];
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var p in element.EnumerateObject())
                {
                    if (names.Contains(p.Name) && p.Value.ValueKind == JsonValueKind.String)
                    {
                        yield return p.Value.GetString()!;
                    }

                    foreach (var inner in EnumMembers(p.Value))
                    {
                        yield return inner;
                    }
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    foreach (var inner in EnumMembers(item))
                    {
                        yield return inner;
                    }
                }

                break;
        }
    }

    private static async Task<JsonElement> GetAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path, Http.Ct);
        var body = await response.ReadJsonAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
        return body;
    }
}
