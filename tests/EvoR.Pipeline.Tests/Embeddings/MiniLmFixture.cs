using EvoR.Pipeline.Embeddings;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

[assembly: AssemblyFixture(typeof(EvoR.Pipeline.Tests.Embeddings.MiniLmFixture))]

namespace EvoR.Pipeline.Tests.Embeddings;

/// <summary>The real all-MiniLM-L6-v2 embedder on CPU, loaded once for the whole test assembly.</summary>
public sealed class MiniLmFixture : IDisposable
{
    public MiniLmFixture()
    {
        Embedder = new OnnxSentenceEmbedder(
            Options.Create(new EmbeddingOptions { IntraOpThreads = 2 }),
            new EmbeddingTelemetry(TestServices.MeterFactory),
            NullLogger<OnnxSentenceEmbedder>.Instance);
    }

    internal OnnxSentenceEmbedder Embedder { get; }

    public void Dispose() => Embedder.Dispose();
}
