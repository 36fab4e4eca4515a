using System.Net;
using EvoR.Api.Extensions;
using EvoR.Api.Tests.Support;

namespace EvoR.Api.Tests.Extensions;

public sealed class DataRootTests
{
    [Theory]
    [InlineData("/srv/evor", "/xdg", "/home/u", "/srv/evor")]
    [InlineData(null, "/xdg", "/home/u", "/xdg/evor")]
    [InlineData("", "relative-xdg-is-ignored", "/home/u", "/home/u/.local/share/evor")]
    [InlineData(null, null, "/home/u", "/home/u/.local/share/evor")]
    public void ResolveRoot_Settings_XdgConvention(string? configured, string? xdg, string? home, string expected)
    {
        var environment = new Dictionary<string, string?> { ["XDG_DATA_HOME"] = xdg, ["HOME"] = home };

        Assert.Equal(expected, DataOptions.ResolveRoot(configured, name => environment.GetValueOrDefault(name)));
    }

    [Fact]
    public void ResolveRoot_NoHome_DataUnderTheWorkingDirectory() =>
        Assert.Equal(Path.GetFullPath("data"), DataOptions.ResolveRoot(null, _ => null));

    [Theory]
    [InlineData(null, "/d/knowledge")]
    [InlineData("", "/d/knowledge")]
    [InlineData("kb", "/d/kb")]
    [InlineData("../elsewhere", "/elsewhere")]
    [InlineData("/abs/kb", "/abs/kb")]
    public void Under_StorePath_DefaultAndRelativeUnderTheRoot(string? configured, string expected) =>
        Assert.Equal(expected, DataOptions.Under("/d", configured, "knowledge"));

    [Fact]
    public async Task Serve_DataRootSet_EverythingTheServiceWritesLandsUnderIt()
    {
        var root = ApiFactory.NewTempFolder();
        try
        {
            await using var service = ServiceProcess.Start(new Dictionary<string, string?> { ["Data:Root"] = root });
            await service.WaitListeningAsync();
            using var client = new HttpClient { BaseAddress = service.BaseAddress };

            Assert.Equal(HttpStatusCode.Created,
                (await client.PostAsync("/v1/knowledge-bases", Http.Json("""{ "name": "docs" }"""), Http.Ct)).StatusCode);
            using var added = await client.PostAsync("/v1/knowledge-bases/docs/documents",
                Http.Json("""[{ "id": "a", "text": "numpy.sort returns a sorted copy.", "source": "documentation" }]"""), Http.Ct);
            Assert.True(added.IsSuccessStatusCode, await added.Content.ReadAsStringAsync(Http.Ct));
            // A generation is refused (no model), but the job database is opened at start.
            await client.PostAsync("/v1/generations", Http.Json("""{ "problem": { "description": "x", "language": "python" } }"""), Http.Ct);

            Assert.True(File.Exists(Path.Combine(root, "generations.db")), "no job database under Data:Root");
            Assert.True(Directory.Exists(Path.Combine(root, "knowledge", "docs")), "no knowledge base under Data:Root");
            // Nothing in the working directory, nothing next to the service's own files.
            Assert.Empty(Directory.GetFileSystemEntries(service.Folder));
            Assert.False(Directory.Exists(Path.Combine(AppContext.BaseDirectory, "data")), "data written next to the service");
            Assert.Contains($"Data folder: {root}", service.Output, StringComparison.Ordinal);
        }
        finally
        {
            ApiFactory.DeleteFolder(root);
        }
    }
}
