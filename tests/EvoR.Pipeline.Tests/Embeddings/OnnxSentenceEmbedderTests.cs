using System.Text.Json;
using EvoR.Pipeline.Embeddings;
using EvoR.Pipeline.Retrieval;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EvoR.Pipeline.Tests.Embeddings;

public sealed class OnnxSentenceEmbedderTests(MiniLmFixture model)
{
    internal const string ReferenceSentence = "The quick brown fox jumps over the lazy dog.";

    [Theory]
    [InlineData("fp32", 0.999f)]
    [InlineData("int8", 0.99f)]
    public void Embed_ReferenceSentence_MatchesCheckedInVector(string precision, float minCosine)
    {
        var reference = JsonSerializer.Deserialize<ReferenceEmbedding>(File.ReadAllText(TestServices.TestData("reference-embedding.json")), JsonSerializerOptions.Web)!;
        Assert.Equal(ReferenceSentence, reference.Sentence);

        var vector = model.For(precision).Embed([reference.Sentence], TestContext.Current.CancellationToken)[0];

        Assert.Equal(384, vector.Length);
        Assert.True(VectorMath.Dot(vector, reference.Vector) >= minCosine, $"cosine {VectorMath.Dot(vector, reference.Vector)}");
    }

    [Theory]
    [InlineData("fp32")]
    [InlineData("int8")]
    public void Embed_AnyText_ReturnsUnitVectors(string precision)
    {
        var vectors = model.For(precision).Embed(["short", "a somewhat longer sentence about sockets and timeouts", ""], TestContext.Current.CancellationToken);

        Assert.All(vectors, v => Assert.InRange(VectorMath.Dot(v, v), 0.999f, 1.001f));
    }

    [Theory]
    [InlineData("fp32")]
    [InlineData("int8")]
    public void Embed_SimilarSentences_AreCloserThanUnrelatedOnes(string precision)
    {
        var v = model.For(precision).Embed(
        [
            "How do I open a connection to the database server?",
            "Connecting to the DB server: open a new connection.",
            "The recipe needs three eggs and a cup of flour.",
        ],
        TestContext.Current.CancellationToken);

        var similar = VectorMath.Dot(v[0], v[1]);
        var unrelated = VectorMath.Dot(v[0], v[2]);
        Assert.True(similar > unrelated + 0.3f, $"similar {similar}, unrelated {unrelated}");
    }

    /// <summary>
    /// fp32: the same vector whatever the batch. int8: activations are quantised with one range per call, so a text's
    /// vector moves slightly with its batch-mates: two independent roundings, each about as far from fp32 as int8 is
    /// (furthest for one-word texts, which have the fewest tokens to average the rounding out: "x" is at 0.967). Either
    /// way a vector must stay with its own text.
    /// </summary>
    [Theory]
    [InlineData("fp32", 0.9999f)]
    [InlineData("int8", 0.95f)]
    public void Embed_Batched_MatchesOneByOne(string precision, float minCosine)
    {
        string[] texts = ["one", "two words", "a sentence with several more words than the others", "x"];

        var batched = model.For(precision).Embed(texts, TestContext.Current.CancellationToken);

        for (var i = 0; i < texts.Length; i++)
        {
            var single = model.For(precision).Embed([texts[i]], TestContext.Current.CancellationToken)[0];
            Assert.True(VectorMath.Dot(batched[i], single) >= minCosine, $"text {i}: cosine {VectorMath.Dot(batched[i], single)}");
        }
    }

    [Theory]
    [InlineData("fp32")]
    [InlineData("int8")]
    public void Embed_TextLongerThanWindow_IsTruncatedNotRejected(string precision)
    {
        var longText = string.Join(' ', Enumerable.Repeat("token", 2000));

        var vector = model.For(precision).Embed([longText], TestContext.Current.CancellationToken)[0];

        Assert.Equal(384, vector.Length);
    }

    [Theory]
    [InlineData("fp32", "all-MiniLM-L6-v2")]
    [InlineData("int8", "all-MiniLM-L6-v2-int8")]
    public void ModelId_NamesThePrecision_SoCachesNeverMixVectors(string precision, string modelId)
    {
        Assert.Equal(precision, model.For(precision).Precision);
        Assert.Equal(modelId, model.For(precision).ModelId);
    }

    [Fact]
    public void ExecutionProvider_CudaRequestedWithoutCuda_FallsBackToCpu()
    {
        if (File.Exists("/dev/nvidia0") || Environment.GetEnvironmentVariable("EVOR_TEST_GPU") == "1")
        {
            Assert.Skip("A GPU is present; the fallback path is not reachable here.");
        }

        using var embedder = new OnnxSentenceEmbedder(
            Options.Create(new EmbeddingOptions { Provider = "cuda", IntraOpThreads = 1 }),
            new EmbeddingTelemetry(TestServices.MeterFactory),
            NullLogger<OnnxSentenceEmbedder>.Instance);

        Assert.Equal("cpu", embedder.ExecutionProvider);
        Assert.Equal(new EmbeddingOptions().Precision, embedder.Precision);
        Assert.Equal(384, embedder.Embed(["still works"], TestContext.Current.CancellationToken)[0].Length);
    }

    [Fact]
    public void Load_ModelFilesMissing_ThrowsFileNotFound()
    {
        using var dir = new TempDirectory();
        using var embedder = new OnnxSentenceEmbedder(
            Options.Create(new EmbeddingOptions { ModelDirectory = dir.Path }),
            new EmbeddingTelemetry(TestServices.MeterFactory),
            NullLogger<OnnxSentenceEmbedder>.Instance);

        Assert.Throws<FileNotFoundException>(() => embedder.Embed(["x"], TestContext.Current.CancellationToken));
    }

    private sealed record ReferenceEmbedding(string Model, string Sentence, float[] Vector);
}
