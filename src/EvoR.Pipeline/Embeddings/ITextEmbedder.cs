namespace EvoR.Pipeline.Embeddings;

/// <summary>Turns text into unit-length sentence embeddings.</summary>
public interface ITextEmbedder
{
    /// <summary>Model identifier; part of embedding-cache keys, so changing models never reuses stale vectors.</summary>
    string ModelId { get; }

    int Dimensions { get; }

    /// <summary>Execution provider actually in use (<c>cpu</c> or <c>cuda</c>).</summary>
    string ExecutionProvider { get; }

    /// <summary>One unit-length vector per text, in input order.</summary>
    float[][] Embed(IReadOnlyList<string> texts, CancellationToken cancellationToken = default);
}
