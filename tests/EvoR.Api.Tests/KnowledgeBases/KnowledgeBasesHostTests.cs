using System.Net;
using EvoR.Api.Tests.Support;

namespace EvoR.Api.Tests.KnowledgeBases;

/// <summary>Knowledge bases across host restarts, with the real embedder, and behind the access guard.</summary>
public sealed class KnowledgeBasesHostTests
{
    [Fact]
    public async Task Restart_SameRootFolder_SeesTheBaseAndItsDocuments()
    {
        var root = ApiFactory.NewTempFolder();
        try
        {
            using (var first = new ApiFactory(KnowledgeBaseClient.Bm25Only(), knowledgeRoot: root))
            using (var client = first.CreateClient())
            {
                Assert.Equal(HttpStatusCode.Created, (await client.CreateBaseAsync("kept")).StatusCode);
                Assert.Equal(HttpStatusCode.OK, (await client.AddDocumentsAsync("kept", KnowledgeBaseClient.ThreeDocuments)).StatusCode);
            }

            using var second = new ApiFactory(KnowledgeBaseClient.Bm25Only(), knowledgeRoot: root);
            using var again = second.CreateClient();
            var list = await (await again.GetAsync("/v1/knowledge-bases", Http.Ct)).ReadJsonAsync();
            var kept = Assert.Single(list.GetProperty("knowledgeBases").EnumerateArray());
            Assert.Equal("kept", kept.GetProperty("name").GetString());
            Assert.Equal(3, kept.GetProperty("documents").GetInt32());
            var hit = (await (await again.SearchAsync("kept", "q=KeyError%20dictionary&mode=bm25")).ReadJsonAsync()).GetProperty("hits")[0];
            Assert.Equal("py-dict", hit.GetProperty("id").GetString());
            Assert.Equal(HttpStatusCode.Conflict, (await again.CreateBaseAsync("kept")).StatusCode);
        }
        finally
        {
            ApiFactory.DeleteFolder(root);
        }
    }

    [Fact]
    public async Task Search_HybridWithRealEmbedder_HitsCarryBothRetrievers()
    {
        using var factory = new ApiFactory();
        using var client = factory.CreateClient();
        await client.CreateBaseAsync("hybrid");
        await client.AddDocumentsAsync("hybrid", KnowledgeBaseClient.ThreeDocuments);

        var response = await client.SearchAsync("hybrid", "q=sort%20an%20array%20with%20numpy&k=3");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = await response.ReadJsonAsync();
        Assert.Equal("hybrid", result.GetProperty("mode").GetString());
        var hit = result.GetProperty("hits")[0];
        Assert.Equal("np-sort", hit.GetProperty("id").GetString());
        Assert.Equal(["bm25", "dense"], hit.GetProperty("retrievers").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(1, hit.GetProperty("denseRank").GetInt32());
        Assert.True(hit.GetProperty("denseScore").GetSingle() > 0);
        var info = await (await client.GetAsync("/v1/knowledge-bases/hybrid", Http.Ct)).ReadJsonAsync();
        Assert.Equal(info.GetProperty("chunks").GetInt32(), info.GetProperty("vectors").GetInt32());
    }

    [Theory]
    [InlineData("GET", "/v1/knowledge-bases")]
    [InlineData("POST", "/v1/knowledge-bases")]
    [InlineData("GET", "/v1/knowledge-bases/docs/search?q=x")]
    [InlineData("POST", "/v1/knowledge-bases/docs/documents")]
    [InlineData("DELETE", "/v1/knowledge-bases/docs/documents/a")]
    public async Task AnyEndpoint_NoApiKey_Returns401(string method, string path)
    {
        using var factory = new ApiFactory(ApiFactory.WithKeys(KnowledgeBaseClient.Bm25Only()));
        using var client = factory.CreateClient();
        using var request = new HttpRequestMessage(new HttpMethod(method), path);

        var response = await client.SendAsync(request, Http.Ct);

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task List_WithApiKey_Returns200()
    {
        using var factory = new ApiFactory(ApiFactory.WithKeys(KnowledgeBaseClient.Bm25Only()));
        using var client = factory.CreateClient();

        var response = await client.GetAsync("/v1/knowledge-bases", ApiFactory.ValidKey);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Search_OverPermitLimit_Returns429ForThatKeyOnly()
    {
        var settings = ApiFactory.WithKeys(KnowledgeBaseClient.Bm25Only(new()
        {
            ["RateLimiting:PermitLimit"] = "1",
            ["RateLimiting:WindowSeconds"] = "3600",
        }));
        using var factory = new ApiFactory(settings);
        using var client = factory.CreateClient();

        var first = await client.GetAsync("/v1/knowledge-bases", ApiFactory.ValidKey);
        var second = await client.GetAsync("/v1/knowledge-bases/docs/search?q=x", ApiFactory.ValidKey);
        var other = await client.GetAsync("/v1/knowledge-bases", ApiFactory.OtherKey);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        await second.AssertProblemAsync(HttpStatusCode.TooManyRequests, "rate-limited");
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }
}
