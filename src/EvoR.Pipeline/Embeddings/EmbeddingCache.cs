using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace EvoR.Pipeline.Embeddings;

/// <summary>
/// Embeddings keyed by the SHA-256 of (model id, text), in memory and in an append-only file
/// (<c>{Knowledge:RootPath}/_embeddings/{model}.bin</c>: 32-byte key then the floats, little-endian), so text that
/// was embedded once (even before a restart) is never embedded again. A torn last record is dropped on load.
/// </summary>
public sealed class EmbeddingCache : IDisposable
{
    private static ReadOnlySpan<byte> Magic => "EVORVEC1"u8;

    private readonly Dictionary<UInt128Key, float[]> _entries = [];
    private readonly Lock _gate = new();
    private readonly FileStream? _file;
    private readonly int _maxEntries;
    private readonly ILogger _logger;
    private bool _fullLogged;

    /// <summary>Opens (or creates) the cache file at <paramref name="path"/>; null keeps the cache in memory only.</summary>
    public EmbeddingCache(string? path, int dimensions, int maxEntries, ILogger logger)
    {
        Dimensions = dimensions;
        _maxEntries = maxEntries;
        _logger = logger;
        if (path is null)
        {
            return;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        _file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        Load(path);
    }

    public int Dimensions { get; }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    public bool TryGet(ReadOnlySpan<byte> key, out float[] vector)
    {
        lock (_gate)
        {
            return _entries.TryGetValue(UInt128Key.From(key), out vector!);
        }
    }

    /// <summary>Adds vectors (appending them to the file) unless the cache is full.</summary>
    public void AddRange(IReadOnlyList<(byte[] Key, float[] Vector)> items)
    {
        lock (_gate)
        {
            var buffer = new byte[32 + (Dimensions * sizeof(float))];
            foreach (var (key, vector) in items)
            {
                if (_entries.Count >= _maxEntries)
                {
                    if (!_fullLogged)
                    {
                        EmbeddingLog.CacheFull(_logger, _maxEntries);
                        _fullLogged = true;
                    }

                    break;
                }

                if (!_entries.TryAdd(UInt128Key.From(key), vector) || _file is null)
                {
                    continue;
                }

                key.CopyTo(buffer, 0);
                MemoryMarshal.AsBytes(vector.AsSpan()).CopyTo(buffer.AsSpan(32));
                _file.Write(buffer);
            }

            _file?.Flush();
        }
    }

    private void Load(string path)
    {
        var file = _file!;
        var header = new byte[Magic.Length + sizeof(int)];
        if (file.Length < header.Length)
        {
            file.SetLength(0);
            Magic.CopyTo(header);
            BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(Magic.Length), Dimensions);
            file.Write(header);
            file.Flush();
            return;
        }

        file.ReadExactly(header);
        if (!header.AsSpan(0, Magic.Length).SequenceEqual(Magic) || BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(Magic.Length)) != Dimensions)
        {
            throw new InvalidDataException($"{path} is not an embedding cache of {Dimensions} dimensions.");
        }

        var record = new byte[32 + (Dimensions * sizeof(float))];
        long good = header.Length;
        while (_entries.Count < _maxEntries && file.Read(record) is var read && read > 0)
        {
            if (read < record.Length)
            {
                var rest = file.ReadAtLeast(record.AsSpan(read), record.Length - read, throwOnEndOfStream: false);
                if (read + rest < record.Length)
                {
                    file.SetLength(good);
                    EmbeddingLog.CacheTruncated(_logger, path, _entries.Count);
                    break;
                }
            }

            var vector = MemoryMarshal.Cast<byte, float>(record.AsSpan(32)).ToArray();
            _entries.TryAdd(UInt128Key.From(record.AsSpan(0, 32)), vector);
            good += record.Length;
        }

        file.Seek(0, SeekOrigin.End);
        EmbeddingLog.CacheLoaded(_logger, path, _entries.Count);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _file?.Dispose();
        }
    }

    /// <summary>The first 16 bytes of a SHA-256 key: plenty against accidental collisions, half the memory.</summary>
    private readonly record struct UInt128Key(ulong High, ulong Low)
    {
        public static UInt128Key From(ReadOnlySpan<byte> key) =>
            new(BinaryPrimitives.ReadUInt64LittleEndian(key), BinaryPrimitives.ReadUInt64LittleEndian(key[8..]));
    }
}
