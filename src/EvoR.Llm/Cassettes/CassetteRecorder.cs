using System.Text.Json;

namespace EvoR.Llm.Cassettes;

/// <summary>Appends exchanges to a JSON Lines cassette, one line per call, in the order calls finish. Thread-safe.</summary>
public sealed class CassetteRecorder(string path) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>The cassette file (created with its folder on the first write; appended to when it exists).</summary>
    public string Path { get; } = System.IO.Path.GetFullPath(path);

    public async Task AppendAsync(CassetteEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var line = JsonSerializer.Serialize(entry, CassetteJson.Options) + "\n";
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (System.IO.Path.GetDirectoryName(Path) is { Length: > 0 } folder)
            {
                Directory.CreateDirectory(folder);
            }

            // Not cancellable once started: a half-written line would corrupt the cassette.
            await File.AppendAllTextAsync(Path, line, CancellationToken.None);
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();
}
