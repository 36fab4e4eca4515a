using System.Net;
using System.Text.Json;
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
        Assert.Contains("./evor.sh languages add c", c.GetProperty("unavailableReason").GetString(), StringComparison.Ordinal);
        Assert.Equal(["gcc", "libc6-dev"], c.GetProperty("packages").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal(JsonValueKind.Null, languages[0].GetProperty("unavailableReason").ValueKind);
        Assert.False(c.GetProperty("supportsScriptTests").GetBoolean());
    }
}
