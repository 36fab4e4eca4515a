using System.Text.Json;
using EvoR.Pipeline.Embeddings;
using EvoR.Pipeline.Retrieval;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EvoR.Pipeline.Tests.Embeddings;

public sealed class OnnxSentenceEmbedderTests(MiniLmFixture model)
{
    internal const string ReferenceSentence = "The quick brown fox jumps over the lazy dog.";

    [Fact]
    public void Embed_ReferenceSentence_MatchesCheckedInVector()
    {
        var reference = JsonSerializer.Deserialize<ReferenceEmbedding>(File.ReadAllText(TestServices.TestData("reference-embedding.json")), JsonSerializerOptions.Web)!;
        Assert.Equal(ReferenceSentence, reference.Sentence);

        var vector = model.Embedder.Embed([reference.Sentence], TestContext.Current.CancellationToken)[0];

        Assert.Equal(384, vector.Length);
        Assert.True(VectorMath.Dot(vector, reference.Vector) >= 0.999f, $"cosine {VectorMath.Dot(vector, reference.Vector)}");
    }

    [Fact]
    public void Embed_AnyText_ReturnsUnitVectors()
    {
        var vectors = model.Embedder.Embed(["short", "a somewhat longer sentence about sockets and timeouts", ""], TestContext.Current.CancellationToken);

        Assert.All(vectors, v => Assert.InRange(VectorMath.Dot(v, v), 0.999f, 1.001f));
    }

    [Fact]
    public void Embed_SimilarSentences_AreCloserThanUnrelatedOnes()
    {
        var v = model.Embedder.Embed(
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

    [Fact]
    public void Embed_Batched_EqualsOneByOne()
    {
        string[] texts = ["one", "two words", "a sentence with several more words than the others", "x"];

        var batched = model.Embedder.Embed(texts, TestContext.Current.CancellationToken);

        for (var i = 0; i < texts.Length; i++)
        {
            var single = model.Embedder.Embed([texts[i]], TestContext.Current.CancellationToken)[0];
            Assert.True(VectorMath.Dot(batched[i], single) > 0.9999f, $"text {i}");
        }
    }

    [Fact]
    public void Embed_TextLongerThanWindow_IsTruncatedNotRejected()
    {
        var longText = string.Join(' ', Enumerable.Repeat("token", 2000));

        var vector = model.Embedder.Embed([longText], TestContext.Current.CancellationToken)[0];

        Assert.Equal(384, vector.Length);
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
