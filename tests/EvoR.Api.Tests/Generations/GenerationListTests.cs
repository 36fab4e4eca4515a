using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using EvoR.Api.Tests.Support;

namespace EvoR.Api.Tests.Generations;

/// <summary><c>GET /v1/generations</c>: the caller's jobs, newest first, a page at a time, filtered.</summary>
public sealed class GenerationListTests
{
    [Fact]
    public async Task List_PagesThroughEveryJobOnceNewestFirst()
    {
        await using var host = await GenerationHost.StartAsync();
        var created = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var id = await host.Client.CreateAsync(Fixtures.Request("vanilla"));
            await host.Client.WaitForAsync(id);
            created.Add(id);
        }

        var seen = new List<string>();
        var pages = 0;
        string? cursor = null;
        do
        {
            var page = await ListAsync(host.Client, $"?limit=2{(cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor))}");
            var data = page.GetProperty("data").EnumerateArray().ToList();
            Assert.InRange(data.Count, 1, 2);
            seen.AddRange(data.Select(j => j.GetProperty("id").GetString()!));
            cursor = page.GetProperty("nextCursor").GetString();
            pages++;
        }
        while (cursor is not null && pages < 10);

        Assert.Equal(3, pages);
        Assert.Equal(Enumerable.Reverse(created), seen);
        var first = (await ListAsync(host.Client, "?limit=1")).GetProperty("data")[0];
        Assert.Equal($"/v1/generations/{created[^1]}", first.GetProperty("url").GetString());
        Assert.Equal("succeeded", first.GetProperty("status").GetString());
        Assert.Equal("passed", first.GetProperty("outcome").GetString());
        Assert.StartsWith("Passed the hidden tests", first.GetProperty("summary").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, first.GetProperty("usage").GetProperty("llmCalls").GetInt32());
    }

    [Fact]
    public async Task List_StatusAndMethodFilters_OnlyMatchingJobs()
    {
        await using var host = await GenerationHost.StartAsync();
        var vanilla = await host.Client.CreateAsync(Fixtures.Request("vanilla"));
        // A budget of one token: the job fails before its second LLM call.
        var failed = await host.Client.CreateAsync(Fixtures.Request("evor", "\"tokenBudget\": 1"));
        var reflexion = await host.Client.CreateAsync(Fixtures.Request("reflexion"));
        foreach (var id in new[] { vanilla, failed, reflexion })
        {
            await host.Client.WaitForAsync(id);
        }

        Assert.Equal([vanilla], Ids(await ListAsync(host.Client, "?method=vanilla")));
        Assert.Equal([reflexion], Ids(await ListAsync(host.Client, "?method=Reflexion")));
        Assert.Equal([failed], Ids(await ListAsync(host.Client, "?status=failed")));
        Assert.Equal([reflexion, vanilla], Ids(await ListAsync(host.Client, "?status=succeeded")));
        Assert.Equal([reflexion, failed, vanilla], Ids(await ListAsync(host.Client, "?status=failed,succeeded")));
        Assert.Equal([failed], Ids(await ListAsync(host.Client, "?status=failed,succeeded&method=evor")));
        Assert.Empty(Ids(await ListAsync(host.Client, "?status=running")));
        var noAnswer = (await ListAsync(host.Client, "?status=failed")).GetProperty("data")[0];
        Assert.Equal("noAnswer", noAnswer.GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task List_TwoKeys_EachSeesOnlyItsOwnJobs()
    {
        await using var host = await GenerationHost.StartAsync(ApiFactory.WithKeys());
        var alpha = await CreateWithKeyAsync(host.Client, ApiFactory.ValidKey);
        var beta = await CreateWithKeyAsync(host.Client, ApiFactory.OtherKey);

        Assert.Equal([alpha], Ids(await ListAsync(host.Client, "", ApiFactory.ValidKey)));
        Assert.Equal([beta], Ids(await ListAsync(host.Client, "", ApiFactory.OtherKey)));
        using var anonymous = await host.Client.GetAsync("/v1/generations", Http.Ct);
        await anonymous.AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Theory]
    [InlineData("?limit=0", "limit-out-of-range", "limit")]
    [InlineData("?limit=101", "limit-out-of-range", "limit")]
    [InlineData("?limit=ten", "limit-out-of-range", "limit")]
    [InlineData("?limit=-1", "limit-out-of-range", "limit")]
    [InlineData("?status=done", "invalid-request", "status")]
    [InlineData("?status=succeeded,nope", "invalid-request", "status")]
    [InlineData("?method=magic", "unknown-method", "method")]
    [InlineData("?cursor=not-a-cursor", "invalid-request", "cursor")]
    [InlineData("?cursor=Zm9vfGJhcnxiYXo", "invalid-request", "cursor")]
    public async Task List_BadParameter_400NamingIt(string query, string slug, string field)
    {
        using var factory = new ApiFactory(new Dictionary<string, string?> { ["Embeddings:Enabled"] = "false" });
        using var client = factory.CreateClient();

        using var response = await client.GetAsync("/v1/generations" + query, Http.Ct);

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, slug);
        Assert.Equal(field, problem.GetProperty("field").GetString());
        Assert.Contains(field, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_NoJobs_EmptyPageWithoutCursor()
    {
        using var factory = new ApiFactory(new Dictionary<string, string?> { ["Embeddings:Enabled"] = "false" });
        using var client = factory.CreateClient();

        var page = await ListAsync(client, "");

        Assert.Empty(page.GetProperty("data").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, page.GetProperty("nextCursor").ValueKind);
    }

    private static List<string> Ids(JsonElement page) => [.. page.GetProperty("data").EnumerateArray().Select(j => j.GetProperty("id").GetString()!)];

    private static async Task<JsonElement> ListAsync(HttpClient client, string query, string? key = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/generations" + query);
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        using var response = await client.SendAsync(request, Http.Ct);
        var body = await response.ReadJsonAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
        return body;
    }

    private static async Task<string> CreateWithKeyAsync(HttpClient client, string key)
    {
        using var response = await client.PostGenerationAsync(Fixtures.Request("vanilla"), key);
        var body = await response.ReadJsonAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, body.ToString());
        return body.GetProperty("id").GetString()!;
    }
}
