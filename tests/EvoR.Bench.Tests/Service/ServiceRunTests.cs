using System.Net;
using System.Text.Json.Nodes;
using EvoR.Bench.Commands;
using EvoR.Bench.Datasets;
using EvoR.Bench.Tests.Runs;

namespace EvoR.Bench.Tests.Service;

/// <summary><c>run --service</c> against the real EvoR service on a loopback port, the same scripted model as in-process.</summary>
public sealed class ServiceRunTests
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;
    private const string Gap = ScriptedGapDataset.DatasetName;

    /// <summary>
    /// What <c>samples.jsonl</c> may differ in between the two ways to run: the wall-clock times (the sample's and each
    /// round's), and a retrieved chunk's BM25 <c>score</c>. The service names a job's problem after the job, so the
    /// documents EvoR's knowledge evolution writes to the job's overlay are titled "… gen_…" instead of "… gap/total",
    /// and the overlay's lengths (BM25's length normalisation) shift a later round's scores a little; the documents
    /// retrieved and their order are the same.
    /// </summary>
    private static readonly string[] Differing = ["elapsedMs", "scoringMs", "finishedAt", "retrievalMs", "generationMs", "executionMs", "totalMs", "score"];

    [Fact]
    public async Task Run_SameScriptedRunInProcessAndWithService_WritesTheSameSummaryAndSamples()
    {
        await BenchRunHarness.SkipIfNoSandboxAsync();
        using var local = new BenchRunHarness();
        using var remote = new BenchRunHarness();
        string[] args = ["run", "--dataset", Gap, "--methods", "evor,docprompting,vanilla", "--run-id", "same"];
        var (exit, output, error) = await local.RunAsync(GapModel.Create(), Ct, [.. args, "--out", local.Out]);
        Assert.True(exit == 0, error + output);

        var serviceModel = GapModel.Create();
        await using var service = EvoRServiceHost.Start(serviceModel);
        (exit, output, error) = await remote.RunAsync(null, Ct, [.. args, "--out", remote.Out, "--service", service.Url.ToString()]);

        Assert.True(exit == 0, error + output);
        // Every model call was the service's: the bench's own model is not configured at all here.
        Assert.NotEmpty(serviceModel.Prompts);
        // summary.json holds no timings: byte for byte the same.
        Assert.Equal(local.SummaryText(), remote.SummaryText());
        Assert.Equal(3, remote.Row(Gap, "evor").GetProperty("passed").GetInt32());
        Assert.Equal(1.0, remote.Row(Gap, "evor").GetProperty("goldDocRecall").GetDouble());
        // samples.jsonl too (in its own order of finishing), but for what Differing names.
        Assert.Equal(Comparable(local), Comparable(remote));
        Assert.Contains("\"service\"", File.ReadAllText(Path.Combine(remote.Out, "run.json")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_ServiceQueueFull_WaitsForRetryAfterAndFinishesEverySample()
    {
        await BenchRunHarness.SkipIfNoSandboxAsync();
        // One job at a time and none waiting: with three samples at once, two are refused (503 generations-busy,
        // Retry-After: 1) while the first job holds the worker for its slow model call.
        var model = GapModel.Create(_ =>
        {
            Thread.Sleep(TimeSpan.FromMilliseconds(400));
            return null;
        });
        await using var service = EvoRServiceHost.Start(model, new Dictionary<string, string?>
        {
            ["Generations:Workers"] = "1", ["Generations:QueueLimit"] = "0", ["Generations:RetryAfterSeconds"] = "1",
        });
        using var rejections = new RejectionCounter();
        using var h = new BenchRunHarness();

        var (exit, output, error) = await h.RunAsync(null, Ct, "run", "--dataset", Gap, "--methods", "vanilla", "--out", h.Out, "--concurrency", "3",
            "--service", service.Url.ToString());

        Assert.True(exit == 0, error + output);
        Assert.True(rejections.Count >= 1, "the service refused no job: the test did not fill its queue");
        var row = h.Row(Gap, "vanilla");
        Assert.Equal((3, 3), (row.GetProperty("finished").GetInt32(), row.GetProperty("failures").GetProperty("ran-with-errors").GetInt32()));
        Assert.Equal(3, model.Prompts.Count);
    }

    [Fact]
    public async Task Run_UnknownMethod_IsRefusedByTheServiceBeforeAnyWork()
    {
        var model = GapModel.Create();
        await using var service = EvoRServiceHost.Start(model);
        using var h = new BenchRunHarness();

        var (exit, _, error) = await h.RunAsync(null, Ct, "run", "--dataset", Gap, "--methods", "vanilla,no-such-method", "--out", h.Out,
            "--service", service.Url.ToString());

        Assert.Equal(BenchCli.ExitUsage, exit);
        Assert.Contains($"Unknown method(s) no-such-method by the service at {service.Url}", error, StringComparison.Ordinal);
        Assert.Contains("evor+reflexion", error, StringComparison.Ordinal);
        Assert.Empty(model.Prompts);
        Assert.False(File.Exists(Path.Combine(h.Out, "samples.jsonl")));
        using var client = new HttpClient { BaseAddress = service.Url };
        var jobs = JsonNode.Parse(await client.GetStringAsync("v1/generations", Ct))!["data"]!.AsArray();
        Assert.Empty(jobs);
        // Nor was the dataset's base made.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("v1/knowledge-bases", Ct)).StatusCode);
        Assert.Empty(JsonNode.Parse(await client.GetStringAsync("v1/knowledge-bases", Ct))!["knowledgeBases"]!.AsArray());
    }

    [Fact]
    public async Task Run_ServiceDown_ExitsWithAClearErrorBeforeAnyWork()
    {
        using var h = new BenchRunHarness();
        var down = $"http://127.0.0.1:{FreePort()}/";

        var (exit, output, error) = await h.RunAsync(null, Ct, "run", "--dataset", Gap, "--methods", "vanilla", "--out", h.Out, "--service", down);

        Assert.Equal(BenchCli.ExitUsage, exit);
        Assert.Contains($"The EvoR service at {down} cannot be reached", error, StringComparison.Ordinal);
        Assert.Contains("is it running?", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error + output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(h.Out, "samples.jsonl")));
    }

    [Fact]
    public async Task Run_ApiKeyWithoutService_IsAUsageError()
    {
        using var h = new BenchRunHarness();

        var (exit, _, error) = await h.RunAsync(null, Ct, "run", "--dataset", Gap, "--out", h.Out, "--api-key", "k");

        Assert.Equal(BenchCli.ExitUsage, exit);
        Assert.Contains("'--api-key' goes with '--service'", error, StringComparison.Ordinal);
    }

    /// <summary>Every sample line without what <see cref="Differing"/> names, sorted.</summary>
    private static List<string> Comparable(BenchRunHarness h) =>
        [.. File.ReadAllLines(Path.Combine(h.Out, "samples.jsonl")).Where(l => l.Length > 0).Select(l => Strip(JsonNode.Parse(l)!).ToJsonString()).Order(StringComparer.Ordinal)];

    private static JsonNode Strip(JsonNode node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var name in Differing)
                {
                    o.Remove(name);
                }

                foreach (var (_, child) in o.ToList())
                {
                    if (child is not null)
                    {
                        Strip(child);
                    }
                }

                break;
            case JsonArray a:
                foreach (var child in a)
                {
                    if (child is not null)
                    {
                        Strip(child);
                    }
                }

                break;
        }

        return node;
    }

    /// <summary>Jobs the service refused because its queue was full (its <c>evor.generations.jobs.rejected</c> counter).</summary>
    private sealed class RejectionCounter : IDisposable
    {
        private readonly System.Diagnostics.Metrics.MeterListener _listener = new();
        private long _count;

        public RejectionCounter()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "EvoR.Generations" && instrument.Name == "evor.generations.jobs.rejected")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _count, value));
            _listener.Start();
        }

        public long Count => Interlocked.Read(ref _count);

        public void Dispose() => _listener.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
