using System.Text.Json;

namespace EvoR.Pipeline.Knowledge.Sources;

/// <summary>
/// The default source: one folder per base under <c>Knowledge:RootPath</c>, its metadata in <c>base.json</c> and its
/// documents in the base's own Lucene index (stored with their chunks), so there is nothing to follow.
/// </summary>
internal sealed class LocalDocumentSource(string root) : IKnowledgeDocumentSource
{
    private const string MetaFile = "base.json";

    public bool IsShared => false;

    public Task InitializeAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(root);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<SourceBase>> ListBasesAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<SourceBase>>([.. Metas().Select(m => new SourceBase(m, 0))]);

    public async Task<long> CreateBaseAsync(KnowledgeBaseMeta meta, CancellationToken cancellationToken)
    {
        var path = Path.Combine(root, meta.Name);
        if (Directory.Exists(path))
        {
            throw new KnowledgeException(KnowledgeErrorKind.BaseAlreadyExists, $"Knowledge base '{meta.Name}' exists already.", "name");
        }

        Directory.CreateDirectory(path);
        var metaPath = Path.Combine(path, MetaFile);
        await File.WriteAllTextAsync(metaPath + ".tmp", JsonSerializer.Serialize(meta, LuceneSchema.Json), cancellationToken).ConfigureAwait(false);
        File.Move(metaPath + ".tmp", metaPath, overwrite: true);
        return 0;
    }

    public Task<long> DeleteBaseAsync(string name, CancellationToken cancellationToken)
    {
        foreach (var overlay in Metas().Where(m => m.Parent == name).Select(m => m.Name).ToList())
        {
            Directory.Delete(Path.Combine(root, overlay), recursive: true);
        }

        Directory.Delete(Path.Combine(root, name), recursive: true);
        return Task.FromResult(0L);
    }

    /// <summary>Nothing to record: the base's index, which the store writes next, is where local documents live.</summary>
    public Task<SourceWrite> WriteDocumentsAsync(IReadOnlyList<DocumentWrite> writes, CancellationToken cancellationToken) =>
        Task.FromResult(new SourceWrite(0, 0));

    public Task<IReadOnlyList<SourceChange>> ReadChangesAsync(long after, int limit, string? baseName, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<SourceChange>>([]);

    public Task<long> HeadAsync(CancellationToken cancellationToken) => Task.FromResult(0L);

    public Task WaitForChangeAsync(TimeSpan timeout, CancellationToken cancellationToken) => Task.Delay(timeout, cancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public void Dispose()
    {
    }

    /// <summary>The metadata in a base folder, or null when it holds none.</summary>
    public static KnowledgeBaseMeta? ReadMeta(string path)
    {
        var metaPath = Path.Combine(path, MetaFile);
        return File.Exists(metaPath) ? JsonSerializer.Deserialize<KnowledgeBaseMeta>(File.ReadAllText(metaPath), LuceneSchema.Json) : null;
    }

    private IEnumerable<KnowledgeBaseMeta> Metas() =>
        Directory.EnumerateDirectories(root)
            .Where(d => KnowledgeValidation.IsValidName(Path.GetFileName(d)))
            .Select(ReadMeta)
            .OfType<KnowledgeBaseMeta>();
}
