using System.Globalization;
using EvoR.Llm;
using EvoR.Pipeline.Embeddings;
using EvoR.Pipeline.Generation;
using EvoR.Pipeline.Knowledge;
using EvoR.Pipeline.Methods;
using EvoR.Sandbox;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EvoR.Pipeline.Bench.Overhead;

/// <summary>
/// The <c>overhead</c> benchmark: what one EvoR round costs without the model. The real loop (<c>evor</c>) runs in
/// the real container — Lucene BM25 + dense retrieval from a 10k-chunk base with the real MiniLM query embedding,
/// prompt assembly, the LLM layer, execution in the real sandbox, knowledge evolution into the job's overlay, the query
/// rewrite — over a scripted chat service that answers at once (rounds back to back, the sandbox pool's background work
/// inside them) or, with <c>--model-latency-ms</c>, after a wait that stands in for a model's latency and is left out of
/// the figures (the background work then runs while the model "thinks", as in production). Each run has two rounds: a draft that fails its tests (feedback
/// document + query rewrite) and one that passes (snippet document). A draft runs once per round, on the LLM-written test
/// inputs (the paper's Algorithm 1); <c>--visible-tests</c> gives the problem visible tests too, a second run per round.
/// The figures are the loop's own per-stage timings (<see cref="RoundTimings"/>); nothing is subtracted. The warm-up is
/// long by default because a fresh process spends its first hundred rounds or so recompiling hot methods (tiered JIT),
/// which is start-up, not a round's cost.
/// </summary>
internal static class OverheadBench
{
    public const string Usage =
        "overhead [--rounds 200] [--warmup 100] [--chunks 10000] [--visible-tests] [--model-latency-ms 0] [--embed-chunks] [--provider cpu|cuda] [--EvoR:Key=value] [--Sandbox:Key=value] [--Retrieval:Key=value]";

    private const double GoalP50Ms = 50;

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Contains("--help") || args.Contains("-h"))
        {
            Console.WriteLine("usage: EvoR.Pipeline.Bench " + Usage);
            return 0;
        }

        int rounds, warmup, chunks, latencyMs;
        try
        {
            rounds = Math.Max(2, Int(args, "--rounds", 200));
            warmup = Math.Max(0, Int(args, "--warmup", 100));
            chunks = Math.Max(1, Int(args, "--chunks", 10_000));
            latencyMs = Math.Max(0, Int(args, "--model-latency-ms", 0));
        }
        catch (FormatException e)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }

        var provider = Arg(args, "--provider", "cpu");
        var embedChunks = args.Contains("--embed-chunks");
        var visibleTests = args.Contains("--visible-tests");
        if (provider is not ("cpu" or "cuda"))
        {
            Console.Error.WriteLine("--provider must be cpu or cuda");
            return 2;
        }

        var root = Directory.CreateTempSubdirectory("evor-overhead-").FullName;
        try
        {
            return await RunAsync(root, provider, embedChunks, visibleTests, TimeSpan.FromMilliseconds(latencyMs), rounds, warmup, chunks, [.. args.Where(a => a.StartsWith("--", StringComparison.Ordinal) && a.Contains(':', StringComparison.Ordinal))]);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static async Task<int> RunAsync(string root, string provider, bool embedChunks, bool visibleTests, TimeSpan latency, int rounds, int warmup, int chunks, string[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Knowledge:RootPath"] = root,
                ["Knowledge:MaxDocumentsPerRequest"] = "10000",
                ["Embeddings:Enabled"] = "true",
                ["Embeddings:Provider"] = provider,
                ["Embeddings:CacheEnabled"] = "false",
            })
            .AddCommandLine(settings)
            .Build();
        var chat = new ScriptedBenchChat { Latency = latency };
        var services = new ServiceCollection()
            .AddLogging(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning))
            .AddSingleton(sp => new PhasedEmbedder(sp.GetRequiredService<OnnxSentenceEmbedder>()))
            .AddSingleton<ITextEmbedder>(sp => sp.GetRequiredService<PhasedEmbedder>())
            .AddEvoRSandbox(configuration)
            .AddEvoRLlm(configuration)
            .AddEvoRPipeline(configuration)
            .AddEvoRLlmProvider("scripted", "zero-latency", _ => chat);
        await using var container = services.BuildServiceProvider();
        var store = container.GetRequiredService<IKnowledgeBaseStore>();
        var embedder = container.GetRequiredService<PhasedEmbedder>();
        var evor = container.GetRequiredService<MethodRunner>().Methods[EvoRMethod.MethodName];

        Console.WriteLine("EvoR pipeline overhead benchmark: one EvoR round without the model");
        Console.WriteLine($"machine: {Environment.ProcessorCount} logical cores, {Machine.CpuName()}; .NET {Environment.Version}; load average at start {Machine.LoadAverage()}");

        // The shared base: synthetic API documentation, one chunk per document.
        var corpus = new SyntheticCorpus(42);
        await store.CreateAsync("base");
        embedder.Synthetic = !embedChunks;
        var ingest = System.Diagnostics.Stopwatch.StartNew();
        foreach (var batch in corpus.Documents(chunks).Chunk(5_000))
        {
            await store.AddDocumentsAsync("base", batch);
        }

        ingest.Stop();
        embedder.Synthetic = false;
        var info = await store.GetAsync("base");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"knowledge base: {info.Chunks} chunks ({info.Documents} documents), Lucene BM25 + dense {embedder.Dimensions}-d, search mode {configuration["EvoR:SearchMode"] ?? "hybrid"}, ingested in {ingest.Elapsed.TotalSeconds:0.0} s"));
        Console.WriteLine(embedChunks
            ? $"chunk vectors: embedded by {embedder.ModelId} ({embedder.ExecutionProvider})"
            : $"chunk vectors: SYNTHETIC random unit vectors (embedding {info.Chunks} chunks with the model is slow on a small CPU; --embed-chunks does it): dense search scans real-sized vectors, its ranking is meaningless");
        Console.WriteLine($"query and evolved-document vectors: {embedder.ModelId} on {embedder.ExecutionProvider}, uncached (every query is new)");

        // Each run: its own question (so its query is new), a failing then a passing draft.
        var runs = (rounds + 1) / 2;
        var warmupRuns = (warmup + 1) / 2;
        var questions = new SyntheticCorpus(7).Queries(info.Chunks, warmupRuns + runs);
        var timed = new List<TimedRound>();
        var runMs = new List<double>();
        var executions = 0;
        for (var i = 0; i < warmupRuns + runs; i++)
        {
            chat.BeginRun();
            chat.Rewrite = $"{SyntheticCorpus.Identifier((i * 7919) % info.Chunks)} add sum {i}";
            var problem = new GenerationProblem
            {
                Id = string.Create(CultureInfo.InvariantCulture, $"bench/add-{i}"),
                Description = $"Write add(a, b) that returns the sum of a and b. Client note: {questions[i]}",
                Language = "python",
                Library = "synth",
                VisibleTests = visibleTests ? new ScriptTests { Code = "assert add(1, 2) == 3" } : null,
            };
            var model = new List<(TimeSpan Generate, TimeSpan Rewrite)>();
            var context = new MethodContext
            {
                JobId = "overhead",
                KnowledgeBase = "base",
                OnRound = (_, _) =>
                {
                    model.Add(chat.TakeRoundTime());
                    return ValueTask.CompletedTask;
                },
            };
            _ = chat.TakeRoundTime(); // the test-inputs call is not a round's
            var result = await evor.RunAsync(problem, context, CancellationToken.None);
            if (result.Rounds.Count != 2 || result.Rounds[0].RanClean || !result.Rounds[1].RanClean)
            {
                var verdicts = string.Join("; ", result.Rounds.SelectMany(r => r.Verdicts).Select(v => $"{v.Label}: {v.Verdict} {v.Message}"));
                Console.Error.WriteLine($"run {i} did not go as scripted (fail, then pass): {result.Rounds.Count} rounds, stop {result.Stop}; {verdicts}");
                return 1;
            }

            if (i >= warmupRuns)
            {
                timed.AddRange(result.Rounds.Select((r, n) => latency > TimeSpan.Zero
                    ? new TimedRound(r, model[n].Generate.TotalMilliseconds, model[n].Rewrite.TotalMilliseconds)
                    : new TimedRound(r, 0, 0)));
                runMs.Add(result.ElapsedMs);
                executions += result.Rounds.Sum(r => r.Verdicts.Count);
            }

            if (result.Overlay is { } overlay)
            {
                await store.DeleteAsync(overlay);
            }
        }

        var sandbox = configuration["Sandbox:Backend"] ?? "process";
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"sandbox: {sandbox} backend, python; {executions / (double)timed.Count:0.0} executions of a two-line program per round ({string.Join(", ", timed.SelectMany(r => r.Round.Verdicts).Select(v => v.Label).Distinct())}{(visibleTests ? "" : "; --visible-tests adds a second")}); warm runners {configuration["Sandbox:Process:WarmRunners"] ?? "true"}"));
        Console.WriteLine(latency > TimeSpan.Zero
            ? string.Create(CultureInfo.InvariantCulture,
                $"model: scripted chat service under the real LLM layer that waits {latency.TotalMilliseconds:0} ms per call (a stand-in for a model's latency: the pool refills and used sandboxes are removed meanwhile, as in production); the time inside the round's calls is left out of the figures below ({chat.Calls} calls)")
            : string.Create(CultureInfo.InvariantCulture,
                $"model: scripted chat service under the real LLM layer that answers at once, {chat.Time.TotalMilliseconds * 1000 / Math.Max(1, chat.Calls):0.0} µs per call inside the service ({chat.Calls} calls): rounds run back to back, with the pool's background work in them"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"rounds: {timed.Count} timed ({runs} runs x 2: a failing draft, then a passing one) after {warmupRuns * 2} warm-up rounds (tiered JIT settles); the loop's own timings{(latency > TimeSpan.Zero ? ", less the time inside the model's calls" : ", nothing subtracted")}"));
        Console.WriteLine();
        Console.WriteLine($"{"stage",-12} {"p50 ms",8} {"p95 ms",8} {"mean ms",8}  what");
        Row("retrieve", timed.Select(r => r.Round.Timings.RetrievalMs), "query embedding + BM25 + dense + fusion over base and overlay, token budget");
        Row("prompt", timed.Select(r => r.PromptMs), "prompt assembly + LLM layer (hash, usage, telemetry) + code extraction");
        Row("execute", timed.Select(r => r.Round.Timings.ExecutionMs), "sandbox runs of the draft");
        Row("evolve", timed.Select(r => r.EvolveMs), "evolved document into the overlay (embedded, indexed); rewrite prompt on failing rounds");
        Row("round", timed.Select(r => r.TotalMs), "whole round");
        Row("  failing", timed.Where(r => !r.Round.RanClean).Select(r => r.TotalMs), "round 0: feedback document + query rewrite");
        Row("  passing", timed.Where(r => r.Round.RanClean).Select(r => r.TotalMs), "round 1: snippet document");
        if (latency == TimeSpan.Zero)
        {
            Row("run", runMs, "whole method run: test-inputs call (when EvoR:MaxTestInputs > 0), overlay creation, both rounds");
        }

        Console.WriteLine();
        var p50 = Percentile([.. timed.Select(r => r.TotalMs)], 50);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"goal: round p50 <= {GoalP50Ms:0} ms without the model: {(p50 <= GoalP50Ms ? "met" : "NOT met")} (p50 {p50:0.0} ms, {(latency > TimeSpan.Zero ? $"model latency {latency.TotalMilliseconds:0} ms left out" : "rounds back to back")})"));
        Console.WriteLine($"load average at end: {Machine.LoadAverage()} (other processes share these cores; latencies move with it)");
        return 0;
    }

    /// <summary>A round's timings with the time inside the model's calls (generate, rewrite) taken out.</summary>
    private sealed record TimedRound(RoundEvent Round, double GenerateModelMs, double RewriteModelMs)
    {
        public double PromptMs => Round.Timings.GenerationMs - GenerateModelMs;

        public double EvolveMs => Round.Timings.EvolutionMs - RewriteModelMs;

        public double TotalMs => Round.Timings.TotalMs - GenerateModelMs - RewriteModelMs;
    }

    private static void Row(string stage, IEnumerable<double> values, string what)
    {
        var list = values.ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{stage,-12} {Percentile(list, 50),8:0.0} {Percentile(list, 95),8:0.0} {list.Average(),8:0.0}  {what}"));
    }

    /// <summary>Nearest-rank percentile.</summary>
    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        var rank = (int)Math.Ceiling(p / 100 * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)];
    }

    private static int Int(string[] args, string name, int fallback)
    {
        var value = Arg(args, name, null);
        return value is null ? fallback
            : int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n
            : throw new FormatException($"{name} takes a whole number, not '{value}'");
    }

    private static string? Arg(string[] args, string name, string? fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }
}

/// <summary>What the output's header says about the machine.</summary>
internal static class Machine
{
    public static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    public static string CpuName()
    {
        try
        {
            return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";
        }
        catch (IOException)
        {
            return "unknown CPU";
        }
    }
}
