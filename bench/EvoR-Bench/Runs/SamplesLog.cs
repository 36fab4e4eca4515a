using System.Text.Json;

namespace EvoR.Bench.Runs;

/// <summary>
/// A run's <c>samples.jsonl</c>, the one record of what has been done: read to resume, appended one line per finished
/// sample. Lines are written one at a time and flushed at once, so that a kill loses at most the line in flight and a
/// torn last line is closed before the next append.
/// </summary>
internal sealed class SamplesLog
{
    private readonly string _path;
    private readonly SemaphoreSlim _write = new(1, 1);

    private SamplesLog(string path) => _path = path;

    /// <summary>The log of the run in <paramref name="directory"/>, its last line closed if a kill tore it.</summary>
    public static SamplesLog Open(string directory)
    {
        var log = new SamplesLog(Path.Combine(directory, BenchRunner.SamplesFile));
        log.EnsureEndsWithNewline();
        return log;
    }

    /// <summary>Every sample in the log by key (a later line for the same sample replaces an earlier one).</summary>
    public Task<Dictionary<string, SampleRecord>> ReadAsync(CancellationToken cancellationToken) =>
        BenchJson.ReadSamplesAsync(_path, cancellationToken);

    public async Task AppendAsync(SampleRecord record, CancellationToken cancellationToken)
    {
        var line = JsonSerializer.Serialize(record, BenchJson.Lines) + "\n";
        await _write.WaitAsync(cancellationToken);
        try
        {
            // One write per line, flushed to the OS before the next sample is reported: a kill loses at most the line in flight.
            await using var stream = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.Read);
            await stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(line), CancellationToken.None);
            await stream.FlushAsync(CancellationToken.None);
        }
        finally
        {
            _write.Release();
        }
    }

    /// <summary>A line torn by a kill is closed, so the next append starts a line of its own.</summary>
    private void EnsureEndsWithNewline()
    {
        if (!File.Exists(_path) || new FileInfo(_path).Length == 0)
        {
            return;
        }

        using var stream = new FileStream(_path, FileMode.Open, FileAccess.ReadWrite);
        stream.Seek(-1, SeekOrigin.End);
        if (stream.ReadByte() != '\n')
        {
            stream.WriteByte((byte)'\n');
        }
    }
}
