using System.Diagnostics;
using EvoR.Api.Tests.Support;
using System.Globalization;

namespace EvoR.Api.Tests.Generations.Postgres;

/// <summary>
/// Generation jobs per second through one replica, then through two, in one run, with a scripted model that takes
/// 1 s per call (the figure is the service's throughput around the model, not a model's). Opt-in: it runs only with
/// <c>EVOR_BENCH_REPLICAS=1</c> (and a PostgreSQL, as the other replica tests), and writes its figures to
/// <c>EVOR_BENCH_REPLICAS_OUT</c> (default <c>evor-replica-bench.txt</c> in the temporary folder).
/// </summary>
public sealed class GenerationReplicaBenchmark
{
    private const int Workers = 4;
    private const int JobsPerRun = 48;

    [Fact]
    public async Task Throughput_OneReplicaThenTwo_RecordsTheRatio()
    {
        if (Environment.GetEnvironmentVariable("EVOR_BENCH_REPLICAS") != "1")
        {
            Assert.Skip("a benchmark: set EVOR_BENCH_REPLICAS=1 to run it");
        }

        await using var cluster = await ReplicaCluster.CreateAsync();
        cluster.Coder.ProgramDelay = TimeSpan.FromSeconds(1);
        var job = Fixtures.Request("vanilla", hidden: false);
        var (_, clientA) = await cluster.StartReplicaAsync(workers: Workers, leaseSeconds: 30);
        var one = await RunAsync([clientA], job);
        var (_, clientB) = await cluster.StartReplicaAsync(workers: Workers, leaseSeconds: 30);
        var two = await RunAsync([clientA, clientB], job);

        var ratio = two / one;
        var report = string.Create(CultureInfo.InvariantCulture,
            $"replica benchmark: {JobsPerRun} vanilla jobs per run, scripted model 1 s per call, {Workers} workers per replica, " +
            $"PostgreSQL store; one replica {one:0.00} jobs/s, two replicas {two:0.00} jobs/s, ratio {ratio:0.00}");
        var path = Environment.GetEnvironmentVariable("EVOR_BENCH_REPLICAS_OUT") is { Length: > 0 } configured
            ? configured : Path.Combine(Path.GetTempPath(), "evor-replica-bench.txt");
        await File.WriteAllTextAsync(path, report + Environment.NewLine, Http.Ct);
        TestContext.Current.TestOutputHelper?.WriteLine(report);
        // Two replicas must do better than one; how much better is the recorded figure (CPU-bound on a small machine).
        Assert.True(ratio > 1.0, report);
    }

    /// <summary>Jobs per second from the first request to the last job's end, the jobs spread over the clients.</summary>
    private static async Task<double> RunAsync(HttpClient[] clients, string job)
    {
        var clock = Stopwatch.StartNew();
        var ids = await Task.WhenAll(Enumerable.Range(0, JobsPerRun).Select(i => clients[i % clients.Length].CreateAsync(job)));
        foreach (var id in ids)
        {
            var ended = await clients[0].WaitForAsync(id);
            Assert.Equal("succeeded", ended.GetProperty("status").GetString());
        }

        return JobsPerRun / clock.Elapsed.TotalSeconds;
    }
}
