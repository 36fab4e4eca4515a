using EvoR.Bench.Tests.Runs;

namespace EvoR.Bench.Tests.Datasets.EvorBench;

/// <summary>EvoR-Bench folders through the runner's <c>run</c> command: a task folder becomes a dataset, its answers are
/// scored by the released harness in the sandbox, and a malformed folder is a usage error naming its files.</summary>
public sealed class EvorBenchRunTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Track(string name) => Path.Combine(EvorBenchFixtures.RepositoryRoot(), "bench", "EvoR-Bench", "tracks", name);

    [Theory]
    [InlineData("luatail", 8)]
    [InlineData("tessera", 4)]
    public async Task Run_TrackReferenceAndEmpty_AllAndNone(string track, int limit)
    {
        await BenchRunHarness.SkipIfNoSandboxAsync();
        using var h = new BenchRunHarness();

        var (exit, output, error) = await h.RunAsync(null, Ct, "run", "--dataset", Track(track), "--methods", "reference,empty",
            "--out", h.Out, "--limit", limit.ToString(System.Globalization.CultureInfo.InvariantCulture), "--concurrency", "2");

        Assert.True(exit == 0, error + output);
        Assert.Equal((limit, limit), (h.Row(track, "reference").GetProperty("problems").GetInt32(), h.Row(track, "reference").GetProperty("passed").GetInt32()));
        Assert.Equal((limit, 0), (h.Row(track, "empty").GetProperty("problems").GetInt32(), h.Row(track, "empty").GetProperty("passed").GetInt32()));
    }

    [Fact]
    public async Task Run_DataDirOfTheReleasedLayout_OneDatasetPerTask()
    {
        await BenchRunHarness.SkipIfNoSandboxAsync();
        using var h = new BenchRunHarness();

        var (exit, output, error) = await h.RunAsync(null, Ct, "run", "--dataset", EvorBenchFixtures.DataDir, "--methods", "empty",
            "--out", h.Out, "--limit", "1");

        // Pony and Ring cannot run here (no ponyc, no ring): their samples are infrastructure failures, counted, not dropped.
        Assert.True(exit is 0 or 1, error + output);
        var datasets = h.Summary().GetProperty("results").EnumerateArray().Select(r => r.GetProperty("dataset").GetString()).ToHashSet();
        Assert.Superset(new HashSet<string?> { "ScipyM", "Pony", "Ring" }, datasets);
        Assert.Equal(0, h.Row("ScipyM", "empty").GetProperty("passed").GetInt32());
        Assert.Equal(1, h.Row("Ring", "empty").GetProperty("problems").GetInt32());
        Assert.Contains("infrastructure", h.Row("Ring", "empty").GetProperty("failures").GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_MalformedFolder_UsageErrorNamingTheFile()
    {
        using var h = new BenchRunHarness();
        var task = EvorBenchFixtures.CopyTask("ScipyM", new DirectoryInfo(h.Dir.Path));
        var example = Directory.GetFiles(task, "example.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal).First();
        File.Delete(example);

        var (exit, output, error) = await h.RunAsync(null, Ct, "run", "--dataset", task, "--methods", "empty", "--out", h.Out);

        Assert.Equal(2, exit);
        Assert.Contains("example.json", error + output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(h.Out, "summary.json")), "a run started on a broken dataset");
    }
}
