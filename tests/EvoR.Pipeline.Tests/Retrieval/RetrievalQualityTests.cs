using System.Globalization;
using System.Text.Json;
using EvoR.Pipeline.Knowledge;
using EvoR.Pipeline.Tests.Embeddings;

namespace EvoR.Pipeline.Tests.Retrieval;

/// <summary>
/// Retrieval quality on a labelled set: 30 short documents about a made-up key-value client library ("pondlet") whose
/// 3.0 release renamed several functions, and 30 queries, each with one gold document: 12 error messages naming an
/// old or renamed function or error type, 18 paraphrases sharing few words with their gold document.
/// </summary>
public sealed class RetrievalQualityTests(MiniLmFixture model)
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("fp32")]
    [InlineData("int8")]
    public async Task SearchAsync_LabelledSet_HybridAtLeastBestSingleRetriever(string precision)
    {
        using var dir = new TempDirectory();
        using var store = TestServices.CreateStore(dir.Path, model.For(precision));
        await store.CreateAsync("pondlet", cancellationToken: Ct);
        await using (var corpus = File.OpenRead(TestServices.TestData("pondlet-corpus.jsonl")))
        {
            var docs = new List<KnowledgeDocument>();
            await foreach (var d in KnowledgeIngestion.ReadJsonLinesAsync(corpus, cancellationToken: Ct))
            {
                docs.Add(d);
            }

            var ingest = await store.AddDocumentsAsync("pondlet", docs, Ct);
            Assert.Equal((30, 0), (ingest.Added, ingest.Skipped));
        }

        var queries = JsonSerializer.Deserialize<LabelledQuery[]>(File.ReadAllText(TestServices.TestData("pondlet-queries.json")), JsonSerializerOptions.Web)!;
        var recall = new Dictionary<SearchMode, double>();
        var reciprocal = new Dictionary<SearchMode, double>();
        var output = TestContext.Current.TestOutputHelper;
        foreach (var mode in new[] { SearchMode.Bm25, SearchMode.Dense, SearchMode.Hybrid })
        {
            var ranks = new List<int>();
            foreach (var q in queries)
            {
                var result = await store.SearchAsync("pondlet", new SearchRequest { Query = q.Query, Mode = mode, K = 10 }, Ct);
                var rank = result.Hits.Select(h => h.Chunk.DocumentId).ToList().IndexOf(q.Gold) + 1;
                ranks.Add(rank == 0 ? int.MaxValue : rank);
                if (rank is 0 or > 5)
                {
                    output?.WriteLine($"{mode.ToWireName()} missed [{q.Kind}] {q.Query} → {q.Gold} (rank {rank})");
                }
            }

            recall[mode] = ranks.Count(r => r <= 5) / (double)queries.Length;
            var recall1 = ranks.Count(r => r == 1) / (double)queries.Length;
            var mrr = reciprocal[mode] = ranks.Average(r => r == int.MaxValue ? 0 : 1.0 / r);
            output?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{mode.ToWireName(),-6} recall@5 {recall[mode]:0.000}  recall@1 {recall1:0.000}  MRR@10 {mrr:0.000}"));
        }

        Assert.True(recall[SearchMode.Hybrid] >= Math.Max(recall[SearchMode.Bm25], recall[SearchMode.Dense]), $"hybrid {recall[SearchMode.Hybrid]} vs bm25 {recall[SearchMode.Bm25]}, dense {recall[SearchMode.Dense]}");
        Assert.True(reciprocal[SearchMode.Hybrid] >= Math.Max(reciprocal[SearchMode.Bm25], reciprocal[SearchMode.Dense]), "hybrid MRR below a single retriever");
        Assert.True(recall[SearchMode.Bm25] >= 0.8, $"bm25 {recall[SearchMode.Bm25]}");
        Assert.True(recall[SearchMode.Dense] >= 0.8, $"dense {recall[SearchMode.Dense]}");
        Assert.True(recall[SearchMode.Hybrid] >= 0.9, $"hybrid {recall[SearchMode.Hybrid]}");
    }

    private sealed record LabelledQuery(string Query, string Gold, string Kind);
}
