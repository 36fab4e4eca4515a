using EvoR.Bench.Datasets;
using EvoR.Pipeline.Knowledge;

namespace EvoR.Bench.Runs;

/// <summary>
/// The in-process knowledge bases of a run: one per dataset with documents, named by the dataset's content so that a
/// changed dataset never reuses a stale base, and created only when absent so that a resumed run reuses it.
/// </summary>
internal static class BenchKnowledgeBases
{
    /// <summary>Named by content, so a changed dataset never reuses a stale base.</summary>
    public static string Name(IBenchDataset dataset) => "bench-" + BenchHashes.Of(dataset)[..12];

    /// <summary>The dataset's base in <paramref name="store"/>, created with its documents when absent; null for a
    /// dataset without documents.</summary>
    public static async Task<string?> EnsureAsync(IKnowledgeBaseStore store, IBenchDataset dataset, CancellationToken cancellationToken)
    {
        if (dataset.Documents.Count == 0)
        {
            return null;
        }

        var name = Name(dataset);
        try
        {
            await store.GetAsync(name, cancellationToken);
            return name;
        }
        catch (KnowledgeException ex) when (ex.Kind == KnowledgeErrorKind.UnknownBase)
        {
            await store.CreateAsync(name, new KnowledgeBaseSpec { Description = $"EvoR-Bench dataset {dataset.Name}" }, cancellationToken);
            await store.AddDocumentsAsync(name, dataset.Documents, cancellationToken);
            return name;
        }
    }

    /// <summary>Deletes a base (an overlay a killed attempt left) if it exists.</summary>
    public static async Task DeleteIfPresentAsync(IKnowledgeBaseStore store, string name, CancellationToken cancellationToken)
    {
        try
        {
            await store.DeleteAsync(name, cancellationToken);
        }
        catch (KnowledgeException ex) when (ex.Kind == KnowledgeErrorKind.UnknownBase)
        {
        }
    }
}
