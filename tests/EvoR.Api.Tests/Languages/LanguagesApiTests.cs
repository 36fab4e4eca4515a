using System.Net;
using EvoR.Api.Tests.Support;

namespace EvoR.Api.Tests.Languages;

public sealed class LanguagesApiTests
{
    [Fact]
    public async Task Get_Languages_ListsEveryLanguageWithItsFacts()
    {
        using var factory = new ApiFactory();
        using var client = factory.CreateClient();

        var response = await client.GetAsync("/v1/languages", Http.Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var languages = (await response.ReadJsonAsync()).EnumerateArray().ToList();
        Assert.Equal(["python", "c"], languages.Select(l => l.GetProperty("name").GetString()));
        var c = languages[1];
        Assert.Equal("gcc", c.GetProperty("aliases")[0].GetString());
        Assert.Equal("gcc 12.2.0", c.GetProperty("version").GetString());
        Assert.True(c.GetProperty("compiled").GetBoolean());
        Assert.False(c.GetProperty("available").GetBoolean());
        Assert.False(c.GetProperty("supportsScriptTests").GetBoolean());
    }
}
