using EvoR.Bench.Commands;
using EvoR.Bench.Datasets;

namespace EvoR.Bench.Tests.Runs;

/// <summary><c>run --knowledge-scope problem|run</c> end to end: in-process, the real process sandbox, a scripted model.</summary>
public sealed class KnowledgeScopeTests
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;
    private const string Shared = ScriptedSharedClueDataset.DatasetName;

    [Fact]
    public async Task Explore()
    {
        await BenchRunHarness.SkipIfNoSandboxAsync();
        foreach (var scope in new[] { "problem", "run" })
        {
            using var h = new BenchRunHarness();
            var (exit, output, error) = await h.RunAsync(SharedClueModel.Create(), Ct, "run", "--dataset", Shared, "--methods", "evor,docprompting,vanilla", "--out", h.Out, "--knowledge-scope", scope);
            Assert.True(exit == BenchCli.ExitOk, error + output);
            File.AppendAllText("/tmp/bench-scope-explore.txt", scope + "\n" + output + "\n");
            foreach (var s in h.Samples())
            {
                File.AppendAllText("/tmp/bench-scope-explore.txt", s.GetProperty("method") + " " + s.GetProperty("problemId") + " " + s.GetProperty("passed") + " " + string.Join(" | ", s.GetProperty("rounds").EnumerateArray().Select(r => (r.TryGetProperty("query", out var q) ? q.GetString() : "") + " -> " + string.Join(",", r.GetProperty("retrieved").EnumerateArray().Select(d => d.GetProperty("documentId").GetString())))) + "\n");
            }
        }
    }
}
