using EvoR.Pipeline.Embeddings;

namespace EvoR.Pipeline.Bench.Overhead;

/// <summary>
/// The model for queries and evolved documents, and — while <see cref="Synthetic"/> is set, i.e. while the 10k-chunk base
/// is ingested — deterministic random unit vectors of the same size, because embedding 10k chunks on a small CPU takes
/// minutes. Dense search then scans real-sized vectors; only its ranking is meaningless.
/// </summary>
internal sealed class PhasedEmbedder(ITextEmbedder model) : ITextEmbedder
{
    public bool Synthetic { get; set; }

    public string ModelId => model.ModelId;

    public int Dimensions => model.Dimensions;

    public string ExecutionProvider => model.ExecutionProvider;

    public float[][] Embed(IReadOnlyList<string> texts, CancellationToken cancellationToken = default) =>
        Synthetic ? [.. texts.Select(t => RandomVectorEmbedder.Vector(t, model.Dimensions))] : model.Embed(texts, cancellationToken);
}
