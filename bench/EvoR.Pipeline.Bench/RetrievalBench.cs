using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics.X86;
using EvoR.Pipeline.Embeddings;
using EvoR.Pipeline.Knowledge;
using EvoR.Pipeline.Retrieval;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;

namespace EvoR.Pipeline.Bench;

/// <summary>
/// The <c>retrieval</c> benchmark: embedding throughput (service vs a bare ONNX Runtime loop), then for each size
/// ingest speed and query latency of BM25, dense exact, dense int8 and hybrid, and int8 recall@10 against exact.
/// </summary>
internal static class RetrievalBench
{
    private const int K = 10;

    public static async Task<int> RunAsync(string[] args)
    {
        var provider = Arg(args, "--provider", "cpu");
        var sizes = Arg(args, "--sizes", "1000,10000,100000").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var queryCount = int.Parse(Arg(args, "--queries", "200"), CultureInfo.InvariantCulture);
        var embedLimit = int.Parse(Arg(args, "--embed-limit", "1000"), CultureInfo.InvariantCulture);
        var sentenceCount = int.Parse(Arg(args, "--sentences", "512"), CultureInfo.InvariantCulture);
        var batchSize = int.Parse(Arg(args, "--batch", new EmbeddingOptions().BatchSize.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
        var rounds = int.Parse(Arg(args, "--rounds", "3"), CultureInfo.InvariantCulture);
        var threads = int.Parse(Arg(args, "--threads", "0"), CultureInfo.InvariantCulture);
        var spinning = args.Contains("--spin");
        if (provider is not ("cpu" or "cuda"))
        {
            Console.Error.WriteLine("--provider must be cpu or cuda");
            return 2;
        }

        using var loggerFactory = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning).AddFilter("EvoR.Pipeline.Embeddings", LogLevel.Information));
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        EmbeddingOptions OptionsFor(string? precision)
        {
            var o = new EmbeddingOptions { Provider = provider, BatchSize = batchSize, IntraOpThreads = threads, AllowSpinning = spinning };
            o.Precision = precision ?? o.Precision;
            return o;
        }

        var embeddingOptions = OptionsFor(null);
        using var embedder = new OnnxSentenceEmbedder(Options.Create(embeddingOptions), new EmbeddingTelemetry(meters), loggerFactory.CreateLogger<OnnxSentenceEmbedder>());

        Console.WriteLine("EvoR retrieval benchmark");
        Console.WriteLine($"machine: {Environment.ProcessorCount} logical cores ({PhysicalCores()} physical), {CpuName()}, AVX2 {Avx2.IsSupported}, AVX-512 {Avx512F.IsSupported}; .NET {Environment.Version}; load average at start {LoadAverage()}");
        Console.WriteLine($"int8 kernel: {(VectorMath.HasVnni ? "AVX-VNNI" : "AVX2")}");
        Console.WriteLine($"embedding provider requested: {provider}; in use: {embedder.ExecutionProvider}; model {embedder.ModelId} ({embedder.Dimensions}-d, {embedder.Precision}); ORT providers available: {string.Join(",", OrtEnv.Instance().GetAvailableProviders())}");
        Console.WriteLine();

        var corpus = new SyntheticCorpus(42);
        Console.WriteLine($"ONNX Runtime: intra-op threads {(threads == 0 ? "default (one per physical core)" : threads)}, spinning {(spinning ? "on" : "off")}, graph optimisation all");
        EmbeddingThroughput(OptionsFor, rounds, corpus.Sentences(sentenceCount), loggerFactory, meters);

        Console.WriteLine();
        Console.WriteLine($"retrieval: k={K}, {queryCount} queries per size (half error messages, half questions), after >= 0.5 s of warm-up queries; times per query, query embedding excluded (measured separately below)");
        Console.WriteLine($"{"chunks",8} {"vectors",-8} {"ingest docs/s",14} {"bm25 p50/p95 ms",16} {"dense exact",14} {"dense int8",14} {"hybrid",14} {"int8 recall@10",15}");
        var notes = new List<string>();
        foreach (var size in sizes)
        {
            await RunSizeAsync(size, size <= embedLimit ? embedder : null, corpus, queryCount, embedder, meters, notes);
        }

        Console.WriteLine();
        var queryTimes = new List<double>();
        var queries = new SyntheticCorpus(7).Queries(1000, 100);
        foreach (var q in queries)
        {
            var started = Stopwatch.GetTimestamp();
            embedder.Embed([q]);
            queryTimes.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"query embedding (1 query, {embedder.ExecutionProvider}, uncached): p50 {Percentile(queryTimes, 50):0.00} ms, p95 {Percentile(queryTimes, 95):0.00} ms; repeated queries hit the store's query cache"));
        Console.WriteLine($"load average at end: {LoadAverage()} (other processes share these cores; latencies and rates move with it)");
        foreach (var note in notes)
        {
            Console.WriteLine("note: " + note);
        }

        return 0;
    }

    /// <summary>
    /// Sentences/s of the service (length-sorted batches) next to a bare ONNX Runtime loop (one sentence per call) over
    /// the same inputs and the same session, for each precision; rounds alternate the two so background load hits both,
    /// and the median round is reported. int8 rows also give the cosine of their vectors to the fp32 ones.
    /// </summary>
    private static void EmbeddingThroughput(Func<string, EmbeddingOptions> options, int rounds, List<string> sentences, ILoggerFactory loggerFactory, System.Diagnostics.Metrics.IMeterFactory meters)
    {
        Console.WriteLine($"embedding: {sentences.Count} sentences, median of {rounds} rounds (bare and service alternate within a round)");
        float[][]? fp32 = null;
        foreach (var precision in new[] { "fp32", "int8" })
        {
            using var embedder = new OnnxSentenceEmbedder(
                Options.Create(options(precision)),
                new EmbeddingTelemetry(meters),
                loggerFactory.CreateLogger<OnnxSentenceEmbedder>());
            var loaded = embedder.EnsureLoaded();
            if (loaded.Precision != precision)
            {
                Console.WriteLine($"  {precision}: not used on {loaded.Provider} (runs {loaded.Precision})");
                continue;
            }

            var ids = sentences.Select(s => OnnxSentenceEmbedder.Tokenize(loaded.Tokenizer, s, 256)).ToArray();
            if (fp32 is null)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  mean {ids.Average(i => i.Length):0.0} tokens ([CLS]/[SEP] included), provider {loaded.Provider}, load average before {LoadAverage()}"));
            }

            // Warm up both paths.
            embedder.Embed(sentences.Take(64).ToList());
            for (var i = 0; i < 16; i++)
            {
                OnnxSentenceEmbedder.Run(loaded, [ids[i]]);
            }

            var bareRates = new List<double>();
            var serviceRates = new List<double>();
            float[][] vectors = [];
            float[]? last = null;
            for (var round = 0; round < rounds; round++)
            {
                // Bare loop: tokenize and run one sentence at a time through the same session, mean-pool, normalise.
                var bare = Stopwatch.StartNew();
                foreach (var s in sentences)
                {
                    last = OnnxSentenceEmbedder.Run(loaded, [OnnxSentenceEmbedder.Tokenize(loaded.Tokenizer, s, 256)])[0];
                }

                bareRates.Add(sentences.Count / bare.Elapsed.TotalSeconds);
                var service = Stopwatch.StartNew();
                vectors = embedder.Embed(sentences);
                serviceRates.Add(sentences.Count / service.Elapsed.TotalSeconds);
            }

            var bareRate = Percentile(bareRates, 50);
            var serviceRate = Percentile(serviceRates, 50);
            var agreement = TensorPrimitives.Dot(vectors[^1], last!);
            var quality = string.Empty;
            if (fp32 is null)
            {
                fp32 = vectors;
            }
            else
            {
                var cosines = vectors.Select((v, i) => (double)TensorPrimitives.Dot(v, fp32[i])).ToList();
                quality = string.Create(CultureInfo.InvariantCulture, $"; cosine to fp32 mean {cosines.Average():0.0000}, min {cosines.Min():0.0000}");
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {precision} bare ORT loop (batch 1):            {bareRate,8:0.0} sentences/s  (rounds {Rates(bareRates)})"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {precision} service (length-sorted batches {embedder.BatchSize,3}): {serviceRate,8:0.0} sentences/s  (rounds {Rates(serviceRates)}) = {serviceRate / bareRate:0.00}x bare (goal >= 1.0x, >= 390/s on 2 cores); cosine(service, bare) on one sentence {agreement:0.00000}{quality}"));
        }

        Console.WriteLine($"  load average after {LoadAverage()}; the service default is Embeddings:Precision = {new EmbeddingOptions().Precision} (CPU)");
    }

    private static string Rates(List<double> rates) =>
        string.Join(' ', rates.Select(r => r.ToString("0", CultureInfo.InvariantCulture)));

    private static async Task RunSizeAsync(int size, ITextEmbedder? realEmbedder, SyntheticCorpus corpus, int queryCount, OnnxSentenceEmbedder queryEmbedder, System.Diagnostics.Metrics.IMeterFactory meters, List<string> notes)
    {
        var root = Directory.CreateTempSubdirectory("evor-bench-").FullName;
        try
        {
            ITextEmbedder embedder = realEmbedder ?? new RandomVectorEmbedder(queryEmbedder.Dimensions);
            var knowledge = new KnowledgeOptions { RootPath = root, MaxDocumentsPerRequest = 10_000 };
            var retrieval = new RetrievalOptions();
            var service = new EmbeddingService(
                embedder,
                Options.Create(new EmbeddingOptions { CacheEnabled = false }),
                Options.Create(knowledge),
                Options.Create(retrieval),
                new EmbeddingTelemetry(meters),
                NullLogger<EmbeddingCache>.Instance);
            using var store = new KnowledgeBaseStore(Options.Create(knowledge), Options.Create(retrieval), service, new KnowledgeTelemetry(meters), TimeProvider.System, NullLogger<KnowledgeBaseStore>.Instance);
            await store.CreateAsync("bench");

            var docs = corpus.Documents(size);
            var ingest = Stopwatch.StartNew();
            var skipped = 0;
            foreach (var batch in docs.Chunk(5_000))
            {
                skipped += (await store.AddDocumentsAsync("bench", batch)).Skipped;
            }

            ingest.Stop();
            var kb = store.Get("bench");
            var vectors = kb.Vectors!;
            var queries = corpus.Queries(size, queryCount + 20);
            var queryVectors = queryEmbedder.Embed(queries);
            var all = vectors.ResolveFilter(~0, null, null);

            var bm25 = Time(queries, (q, i) => store.Search([kb], new SearchRequest { Query = q, Mode = SearchMode.Bm25, K = K }, K, null, Stopwatch.GetTimestamp()));
            var exact = Time(queries, (q, i) => vectors.SearchExact(queryVectors[i], K, all, parallelMinVectors: retrieval.ParallelScanThreshold));
            var int8 = Time(queries, (q, i) => vectors.SearchQuantized(queryVectors[i], K, retrieval.RerankMultiplier, all, parallelMinVectors: retrieval.ParallelScanThreshold));
            var hybrid = Time(queries, (q, i) => store.Search([kb], new SearchRequest { Query = q, Mode = SearchMode.Hybrid, K = K }, K, queryVectors[i], Stopwatch.GetTimestamp()));

            var found = 0;
            for (var i = 20; i < queries.Count; i++)
            {
                var truth = vectors.SearchExact(queryVectors[i], K, all).Select(h => h.Key).ToHashSet();
                found += vectors.SearchQuantized(queryVectors[i], K, retrieval.RerankMultiplier, all).Count(h => truth.Contains(h.Key));
            }

            var recall = found / (double)(K * queryCount);
            var kind = realEmbedder is null ? "random" : "minilm";
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{vectors.Count,8} {kind,-8} {size / ingest.Elapsed.TotalSeconds,14:0} {Pair(bm25),16} {Pair(exact),14} {Pair(int8),14} {Pair(hybrid),14} {recall,15:0.000}"));
            if (skipped > 0)
            {
                notes.Add($"{size}: {skipped} synthetic documents were skipped as near-duplicates");
            }

            if (realEmbedder is null)
            {
                notes.Add($"{size}: chunk vectors are random unit vectors (embedding {size} texts with the model on this CPU would take too long); ingest docs/s excludes the model, dense timings are real scans of {size} x {vectors.Dimensions} floats");
            }
            else
            {
                notes.Add($"{size}: chunk vectors come from the model; ingest docs/s includes embedding every chunk");
            }

            if (vectors.Count >= retrieval.ParallelScanThreshold)
            {
                notes.Add($"{size}: dense scans are split over {Math.Min(Environment.ProcessorCount, 8)} cores (Retrieval:ParallelScanThreshold = {retrieval.ParallelScanThreshold})");
            }

            if (vectors.Count >= retrieval.QuantizedScanThreshold)
            {
                notes.Add($"{size}: hybrid uses the int8 scan + exact re-rank (Retrieval:QuantizedScanThreshold = {retrieval.QuantizedScanThreshold})");
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static List<double> Time<T>(List<string> queries, Func<string, int, T> run)
    {
        // Warm up for at least half a second so tiered compilation has promoted the hot paths.
        var warm = Stopwatch.StartNew();
        for (var i = 0; warm.ElapsedMilliseconds < 500 || i < 20; i++)
        {
            GC.KeepAlive(run(queries[i % 20], i % 20));
        }

        var times = new List<double>(queries.Count);
        for (var i = 0; i < queries.Count; i++)
        {
            var started = Stopwatch.GetTimestamp();
            GC.KeepAlive(run(queries[i], i));
            if (i >= 20)
            {
                times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }

        return times;
    }

    private static string Pair(List<double> times) =>
        string.Create(CultureInfo.InvariantCulture, $"{Percentile(times, 50):0.00}/{Percentile(times, 95):0.00}");

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        var rank = (int)Math.Ceiling(p / 100 * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)];
    }

    private static string Arg(string[] args, string name, string fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }

    private static string LoadAverage()
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

    private static string PhysicalCores()
    {
        try
        {
            // Distinct (physical id, core id) pairs: what ONNX Runtime sizes its default thread pool by.
            var lines = File.ReadAllLines("/proc/cpuinfo");
            var cores = new HashSet<string>(StringComparer.Ordinal);
            var package = "0";
            foreach (var line in lines)
            {
                var value = line.Split(':', 2) is [_, var v] ? v.Trim() : string.Empty;
                if (line.StartsWith("physical id", StringComparison.Ordinal))
                {
                    package = value;
                }
                else if (line.StartsWith("core id", StringComparison.Ordinal))
                {
                    cores.Add(package + "/" + value);
                }
            }

            return cores.Count > 0 ? cores.Count.ToString(CultureInfo.InvariantCulture) : "unknown";
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    private static string CpuName()
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
