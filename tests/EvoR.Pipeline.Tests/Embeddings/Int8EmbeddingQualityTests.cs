using System.Globalization;
using System.Text.Json;
using EvoR.Pipeline.Knowledge;
using EvoR.Pipeline.Retrieval;

namespace EvoR.Pipeline.Tests.Embeddings;

/// <summary>The int8 model against the fp32 one on the labelled set's 30 documents and 30 queries.</summary>
public sealed class Int8EmbeddingQualityTests(MiniLmFixture model)
{
    [Fact]
    public async Task Embed_LabelledSetTexts_Int8CloseToFp32()
    {
        var texts = new List<string>();
        await using (var corpus = File.OpenRead(TestServices.TestData("pondlet-corpus.jsonl")))
        {
            await foreach (var d in KnowledgeIngestion.ReadJsonLinesAsync(corpus, cancellationToken: TestContext.Current.CancellationToken))
            {
                texts.Add(d.Text);
            }
        }

        using (var queries = JsonDocument.Parse(await File.ReadAllTextAsync(TestServices.TestData("pondlet-queries.json"), TestContext.Current.CancellationToken)))
        {
            texts.AddRange(queries.RootElement.EnumerateArray().Select(q => q.GetProperty("query").GetString()!));
        }

        var fp32 = model.For("fp32").Embed(texts, TestContext.Current.CancellationToken);
        var int8 = model.For("int8").Embed(texts, TestContext.Current.CancellationToken);

        var cosines = texts.Select((_, i) => (double)VectorMath.Dot(fp32[i], int8[i])).ToList();
        TestContext.Current.TestOutputHelper?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{texts.Count} texts: cosine int8 to fp32 mean {cosines.Average():0.00000}, min {cosines.Min():0.00000}"));
        Assert.Equal(60, texts.Count);
        Assert.True(cosines.Average() >= 0.99, $"mean {cosines.Average()}");
        Assert.True(cosines.Min() >= 0.98, $"min {cosines.Min()}");
    }
}
