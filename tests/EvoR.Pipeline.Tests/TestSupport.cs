using System.Diagnostics.Metrics;
using EvoR.Pipeline.Embeddings;
using EvoR.Pipeline.Knowledge;
using EvoR.Pipeline.Knowledge.Sources;
using EvoR.Pipeline.Retrieval;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EvoR.Pipeline.Tests;

/// <summary>A temporary folder removed on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("evor-kb-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }
}

/// <summary>
/// Deterministic stand-in for the model: hashed bag of lower-cased words, 64 dimensions, unit length. Texts that
/// share words are close; it counts its calls so cache behaviour can be asserted.
/// </summary>
internal sealed class HashingEmbedder : ITextEmbedder
{
    private int _embedded;

    public string ModelId => "hashing-test";

    public int Dimensions => 64;

    public string ExecutionProvider => "cpu";

    public int Embedded => _embedded;

    public float[][] Embed(IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
    {
        Interlocked.Add(ref _embedded, texts.Count);
        return [.. texts.Select(Vector)];
    }

    public static float[] Vector(string text)
    {
        var v = new float[64];
        foreach (var word in text.ToLowerInvariant().Split((char[])[' ', '\n', '.', ',', '(', ')', ':', '\'', '_'], StringSplitOptions.RemoveEmptyEntries))
        {
            var h = 17;
            foreach (var c in word)
            {
                h = unchecked((h * 31) + c);
            }

            v[(h & 0x7fffffff) % 64] += 1;
        }

        VectorMath.Normalize(v);
        return v;
    }
}

internal static class TestServices
{
    public static IMeterFactory MeterFactory { get; } = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();

    public static KnowledgeBaseStore CreateStore(
        string root,
        ITextEmbedder? embedder,
        Action<KnowledgeOptions>? knowledge = null,
        Action<RetrievalOptions>? retrieval = null,
        bool cache = true,
        TimeProvider? time = null,
        IKnowledgeDocumentSource? source = null)
    {
        var k = new KnowledgeOptions { RootPath = root };
        knowledge?.Invoke(k);
        var r = new RetrievalOptions();
        retrieval?.Invoke(r);
        var e = new EmbeddingOptions { Enabled = embedder is not null, CacheEnabled = cache };
        var service = new EmbeddingService(
            embedder,
            Options.Create(e),
            Options.Create(k),
            Options.Create(r),
            new EmbeddingTelemetry(MeterFactory),
            NullLogger<EmbeddingCache>.Instance);
        return new KnowledgeBaseStore(
            Options.Create(k),
            Options.Create(r),
            service,
            new KnowledgeTelemetry(MeterFactory),
            time ?? TimeProvider.System,
            NullLogger<KnowledgeBaseStore>.Instance,
            source);
    }

    public static string TestData(string name) => System.IO.Path.Combine(AppContext.BaseDirectory, "TestData", name);
}
