using System.Text.Json;
using EvoR.Api.Tests.Support;
using EvoR.Testing;

namespace EvoR.Api.Tests.Docs;

/// <summary><c>./evor.sh kb add</c> as a user runs it: a folder of documentation into a base of a started service.</summary>
public sealed class KnowledgeCommandTests
{
    [Fact]
    public async Task KbAdd_Folder_CreatesTheBaseAndEveryFileIsASearchableDocument()
    {
        var unavailable = await ProcessSandboxProbe.UnavailableReasonAsync();
        if (unavailable is not null)
            Assert.Skip(unavailable);

        await using var docs = await DocsService.StartAsync(null, TestContext.Current.CancellationToken);
        var folder = Directory.CreateTempSubdirectory("evor-kb-add-");
        try
        {
            Directory.CreateDirectory(Path.Combine(folder.FullName, "guide"));
            await File.WriteAllTextAsync(Path.Combine(folder.FullName, "guide", "install.html"),
                "<html><body><h1>Install</h1><p>Run <code>pip install pondlet</code> to get the flibbertigibbet module.</p><script>var hidden=1</script></body></html>", TestContext.Current.CancellationToken);
            await File.WriteAllTextAsync(Path.Combine(folder.FullName, "bucket.md"), "# Bucket\n\nBucket.fetch(key) reads a value.\n", TestContext.Current.CancellationToken);

            var (exit, output) = await RunAsync("kb", "add", "pondlet", folder.FullName, "--url", docs.Process.BaseAddress.ToString(), "--library", "pondlet");
            Assert.True(exit == 0, output);

            using var client = new HttpClient { BaseAddress = docs.Process.BaseAddress };
            using var hits = JsonDocument.Parse(await client.GetStringAsync("/v1/knowledge-bases/pondlet/search?q=flibbertigibbet&mode=bm25", TestContext.Current.CancellationToken));
            var ids = hits.RootElement.GetProperty("hits").EnumerateArray().Select(h => h.GetProperty("id").GetString()).ToList();
            Assert.Contains("guide/install.html", ids);
            using var scripts = JsonDocument.Parse(await client.GetStringAsync("/v1/knowledge-bases/pondlet/search?q=hidden&mode=bm25", TestContext.Current.CancellationToken));
            Assert.Empty(scripts.RootElement.GetProperty("hits").EnumerateArray());
            using var bases = JsonDocument.Parse(await client.GetStringAsync("/v1/knowledge-bases/pondlet", TestContext.Current.CancellationToken));
            Assert.Equal(2, bases.RootElement.GetProperty("documents").GetInt32());
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static async Task<(int Exit, string Output)> RunAsync(params string[] args)
    {
        var (exit, stdout, stderr) = await ExternalProcess.RunAsync("bash", [Path.Combine(Repository.Root(), "evor.sh"), .. args], Repository.Root());
        return (exit, stdout + stderr);
    }
}
