using System.Diagnostics;
using System.Globalization;
using System.Text;
using EvoR.Sandbox.Execution;
using EvoR.Sandbox.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace EvoR.Sandbox.Tests.Fleet;

/// <summary>
/// Sandbox executions per second through one Docker engine and through two (<see cref="DockerFleetEngines"/>), in one
/// run: trivial Python programs in a closed loop as many at once as the engines' capacities add up to, after a warm-up,
/// alternating the set-ups over <see cref="Rounds"/> rounds so that drift in the machine's load hits both alike. A
/// control, one engine taking as many at once as the two together, tells the engines apart from the concurrency.
/// Opt-in: it runs only with <c>EVOR_BENCH_ENGINES=1</c> (and a second engine, <c>EVOR_TEST_DOCKER_SECOND</c>), and writes
/// its figures to <c>EVOR_BENCH_ENGINES_OUT</c> (default <c>evor-engines-bench.txt</c> in the temporary folder).
/// </summary>
[Collection(DockerSandboxCollection.Name)]
public sealed class DockerFleetBenchmark
{
    private const int Capacity = 2;
    private const int Rounds = 2;

    private static int RunsPerMeasure =>
        int.TryParse(System.Environment.GetEnvironmentVariable("EVOR_BENCH_ENGINES_RUNS"), CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 40;

    [Fact]
    public async Task Throughput_OneEngineThenTwo_RecordsTheRatio()
    {
        if (System.Environment.GetEnvironmentVariable("EVOR_BENCH_ENGINES") != "1")
        {
            Assert.Skip("a benchmark: set EVOR_BENCH_ENGINES=1 (and EVOR_TEST_DOCKER_SECOND) to run it");
        }

        await using var two = await DockerFleetEngines.StartAsync(Capacity);
        await using var one = OneEngine(Capacity);
        await using var oneWide = OneEngine(2 * Capacity);
        var figures = new Dictionary<string, List<double>> { ["one"] = [], ["two"] = [], ["one-wide"] = [] };
        foreach (var (name, services) in new[] { ("one", one), ("two", two.Services), ("one-wide", oneWide) })
        {
            await MeasureAsync(services.GetRequiredService<CodeExecutor>(), 2 * Capacity); // warm-up: pools filled, images paged in
        }

        for (var round = 0; round < Rounds; round++)
        {
            figures["one"].Add(await MeasureAsync(one.GetRequiredService<CodeExecutor>(), RunsPerMeasure));
            figures["two"].Add(await MeasureAsync(two.Services.GetRequiredService<CodeExecutor>(), RunsPerMeasure));
            figures["one-wide"].Add(await MeasureAsync(oneWide.GetRequiredService<CodeExecutor>(), RunsPerMeasure));
        }

        var perEngine = two.Fleet.Engines.Select(e => $"{e.Endpoint} {e.Runs} runs").ToList();
        double Mean(string k) => figures[k].Average();
        var report = new StringBuilder().AppendLine(CultureInfo.InvariantCulture,
                $"engine fleet benchmark: {RunsPerMeasure} trivial Python executions per measure, {Rounds} rounds, capacity {Capacity} per engine, " +
                $"{System.Environment.ProcessorCount} cores, load average at end {LoadAverage()}")
            .AppendLine(CultureInfo.InvariantCulture, $"one engine (capacity {Capacity}):        {Mean("one"):0.00} exec/s ({string.Join(", ", figures["one"].Select(f => f.ToString("0.00", CultureInfo.InvariantCulture)))})")
            .AppendLine(CultureInfo.InvariantCulture, $"two engines (capacity {Capacity} each):  {Mean("two"):0.00} exec/s ({string.Join(", ", figures["two"].Select(f => f.ToString("0.00", CultureInfo.InvariantCulture)))})")
            .AppendLine(CultureInfo.InvariantCulture, $"one engine (capacity {2 * Capacity}), control: {Mean("one-wide"):0.00} exec/s ({string.Join(", ", figures["one-wide"].Select(f => f.ToString("0.00", CultureInfo.InvariantCulture)))})")
            .AppendLine(CultureInfo.InvariantCulture, $"ratio two/one {Mean("two") / Mean("one"):0.00}, two/one-wide {Mean("two") / Mean("one-wide"):0.00}; runs per engine of the fleet: {string.Join(", ", perEngine)}")
            .ToString();
        var path = System.Environment.GetEnvironmentVariable("EVOR_BENCH_ENGINES_OUT") is { Length: > 0 } configured
            ? configured : Path.Combine(Path.GetTempPath(), "evor-engines-bench.txt");
        await File.WriteAllTextAsync(path, report, TestContext.Current.CancellationToken);
        TestContext.Current.TestOutputHelper?.WriteLine(report);
        Console.WriteLine(report);
        // No speed goal here (a benchmark, not a timed test): only that both set-ups ran every execution.
        Assert.All(figures.Values.SelectMany(f => f), f => Assert.True(f > 0, report));
    }

    /// <summary>The usual engine alone, as a fleet of its own (so the same fleet code runs in every set-up).</summary>
    private static ServiceProvider OneEngine(int capacity) =>
        SandboxFixture.Build(new Dictionary<string, string?>
        {
            ["Sandbox:Backend"] = "docker",
            ["Sandbox:QueueLimit"] = "500",
            ["Sandbox:Docker:Engines:0:Endpoint"] = DockerFleetEngines.FirstEndpoint,
            ["Sandbox:Docker:Engines:0:Capacity"] = capacity.ToString(CultureInfo.InvariantCulture),
        });

    /// <summary>Executions per second: <paramref name="runs"/> trivial programs, as many at once as the executor runs.</summary>
    private static async Task<double> MeasureAsync(CodeExecutor executor, int runs)
    {
        var clock = Stopwatch.StartNew();
        var results = await Task.WhenAll(Enumerable.Range(0, runs).Select(i =>
            executor.ExecuteAsync(new ExecutionRequest { Language = "python", Code = $"print({i})" }, TestContext.Current.CancellationToken)));
        var elapsed = clock.Elapsed.TotalSeconds;
        Assert.All(results, r => Assert.Equal(Verdict.Passed, r.Verdict));
        return runs / elapsed;
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}
