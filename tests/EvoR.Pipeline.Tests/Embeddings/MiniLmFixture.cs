using EvoR.Pipeline.Embeddings;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

[assembly: AssemblyFixture(typeof(EvoR.Pipeline.Tests.Embeddings.MiniLmFixture))]

namespace EvoR.Pipeline.Tests.Embeddings;

/// <summary>The real all-MiniLM-L6-v2 embedder on CPU at both precisions, each loaded once for the whole test assembly.</summary>
public sealed class MiniLmFixture : IDisposable
{
    private readonly Lazy<OnnxSentenceEmbedder> _fp32 = new(() => Create("fp32"));
    private readonly Lazy<OnnxSentenceEmbedder> _int8 = new(() => Create("int8"));

    /// <summary>The embedder with the default <c>Embeddings:Precision</c>, as the service runs it.</summary>
    internal OnnxSentenceEmbedder Embedder => For(new EmbeddingOptions().Precision);

    internal OnnxSentenceEmbedder For(string precision) => precision switch
    {
        "fp32" => _fp32.Value,
        "int8" => _int8.Value,
        _ => throw new ArgumentOutOfRangeException(nameof(precision), precision, null),
    };

    public void Dispose()
    {
        if (_fp32.IsValueCreated)
        {
            _fp32.Value.Dispose();
        }

        if (_int8.IsValueCreated)
        {
            _int8.Value.Dispose();
        }
    }

    private static OnnxSentenceEmbedder Create(string precision) => new(
        Options.Create(new EmbeddingOptions { IntraOpThreads = 2, Precision = precision }),
        new EmbeddingTelemetry(TestServices.MeterFactory),
        NullLogger<OnnxSentenceEmbedder>.Instance);
}
