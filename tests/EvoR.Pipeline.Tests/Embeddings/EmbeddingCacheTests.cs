using EvoR.Pipeline.Embeddings;
using Microsoft.Extensions.Logging.Abstractions;

namespace EvoR.Pipeline.Tests.Embeddings;

public sealed class EmbeddingCacheTests
{
    private static byte[] Key(byte seed) => [.. Enumerable.Range(0, 32).Select(i => (byte)(seed + i))];

    [Fact]
    public void AddRange_ThenReopen_ReturnsSameVectors()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "cache.bin");
        using (var cache = new EmbeddingCache(path, 4, 100, NullLogger.Instance))
        {
            cache.AddRange([(Key(1), [1f, 2f, 3f, 4f]), (Key(2), [5f, 6f, 7f, 8f])]);
        }

        using var reopened = new EmbeddingCache(path, 4, 100, NullLogger.Instance);

        Assert.Equal(2, reopened.Count);
        Assert.True(reopened.TryGet(Key(2), out var vector));
        Assert.Equal([5f, 6f, 7f, 8f], vector);
        Assert.False(reopened.TryGet(Key(3), out _));
    }

    [Fact]
    public void Open_TornLastRecord_DropsItAndKeepsTheRest()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "cache.bin");
        using (var cache = new EmbeddingCache(path, 4, 100, NullLogger.Instance))
        {
            cache.AddRange([(Key(1), [1f, 2f, 3f, 4f]), (Key(2), [5f, 6f, 7f, 8f])]);
        }

        using (var file = new FileStream(path, FileMode.Open))
        {
            file.SetLength(file.Length - 5);
        }

        using var reopened = new EmbeddingCache(path, 4, 100, NullLogger.Instance);
        reopened.AddRange([(Key(3), [9f, 9f, 9f, 9f])]);

        Assert.Equal(2, reopened.Count);
        Assert.True(reopened.TryGet(Key(1), out _));
        Assert.True(reopened.TryGet(Key(3), out _));
    }

    [Fact]
    public void Open_OtherDimensions_Throws()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "cache.bin");
        new EmbeddingCache(path, 4, 100, NullLogger.Instance).Dispose();

        Assert.Throws<InvalidDataException>(() => new EmbeddingCache(path, 8, 100, NullLogger.Instance));
    }

    [Fact]
    public void AddRange_PastMaxEntries_StopsCaching()
    {
        using var cache = new EmbeddingCache(null, 1, 2, NullLogger.Instance);

        cache.AddRange([(Key(1), [1f]), (Key(2), [2f]), (Key(3), [3f])]);

        Assert.Equal(2, cache.Count);
    }
}
