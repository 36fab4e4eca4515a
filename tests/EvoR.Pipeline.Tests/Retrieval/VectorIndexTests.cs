using EvoR.Pipeline.Retrieval;

namespace EvoR.Pipeline.Tests.Retrieval;

public sealed class VectorIndexTests
{
    private static readonly VectorFilter All = new(~0, null, null);

    private static float[] RandomUnit(Random random, int dims)
    {
        var v = new float[dims];
        for (var i = 0; i < dims; i++)
        {
            v[i] = (float)((random.NextDouble() * 2) - 1);
        }

        VectorMath.Normalize(v);
        return v;
    }

    private static VectorIndex Build(int count, int dims, int seed)
    {
        var random = new Random(seed);
        var index = new VectorIndex(dims);
        for (var i = 0; i < count; i++)
        {
            index.Upsert($"k{i}", RandomUnit(random, dims), 1 << (i % 4), i % 2 == 0 ? "python" : "java", null);
        }

        return index;
    }

    [Fact]
    public void SearchExact_StoredVector_IsItsOwnNearestNeighbour()
    {
        var random = new Random(1);
        var index = new VectorIndex(16);
        var target = RandomUnit(random, 16);
        index.Upsert("target", target, 1, null, null);
        for (var i = 0; i < 50; i++)
        {
            index.Upsert($"k{i}", RandomUnit(random, 16), 1, null, null);
        }

        var hits = index.SearchExact(target, 3, All);

        Assert.Equal("target", hits[0].Key);
        Assert.Equal(1f, hits[0].Score, 4);
        Assert.True(hits[0].Score >= hits[1].Score && hits[1].Score >= hits[2].Score);
    }

    [Fact]
    public void SearchQuantized_RandomVectors_RecallAt10AgainstExactIsHigh()
    {
        var index = Build(3000, 384, 7);
        var random = new Random(99);
        var found = 0;
        for (var q = 0; q < 20; q++)
        {
            var query = RandomUnit(random, 384);
            var exact = index.SearchExact(query, 10, All).Select(h => h.Key).ToHashSet();
            found += index.SearchQuantized(query, 10, 4, All).Count(h => exact.Contains(h.Key));
        }

        Assert.True(found / 200.0 >= 0.95, $"recall@10 {found / 200.0}");
    }

    [Fact]
    public void Search_Filter_ReturnsOnlyMatchingVectors()
    {
        var index = Build(200, 8, 3);
        var filter = index.ResolveFilter(1 << 2, ["python"], null);

        var hits = index.SearchExact(new float[8] { 1, 0, 0, 0, 0, 0, 0, 0 }, 100, filter);

        Assert.Equal(50, hits.Count);
        Assert.All(hits, h => Assert.Equal(2, int.Parse(h.Key[1..], System.Globalization.CultureInfo.InvariantCulture) % 4));
    }

    [Fact]
    public void Search_UnknownLanguage_MatchesNothing()
    {
        var index = Build(10, 8, 3);

        Assert.Empty(index.SearchExact(new float[8], 5, index.ResolveFilter(~0, ["cobol"], null)));
    }

    [Fact]
    public void Remove_Key_FreesSlotForReuse()
    {
        var index = Build(10, 8, 3);

        Assert.True(index.Remove("k3"));
        Assert.False(index.Remove("k3"));
        index.Upsert("new", new float[8] { 0, 1, 0, 0, 0, 0, 0, 0 }, 1, null, null);

        Assert.Equal(10, index.Count);
        Assert.DoesNotContain(index.SearchExact(new float[8] { 0, 1, 0, 0, 0, 0, 0, 0 }, 10, All), h => h.Key == "k3");
        Assert.Equal("new", index.SearchQuantized(new float[8] { 0, 1, 0, 0, 0, 0, 0, 0 }, 1, 4, All)[0].Key);
    }

    [Fact]
    public void Search_SplitOverCores_SameHitsAsOnePass()
    {
        var index = Build(2000, 64, 11);
        var query = RandomUnit(new Random(5), 64);

        Assert.Equal(index.SearchExact(query, 10, All), index.SearchExact(query, 10, All, parallelMinVectors: 1));
        Assert.Equal(index.SearchQuantized(query, 10, 4, All), index.SearchQuantized(query, 10, 4, All, parallelMinVectors: 1));
    }

    [Theory]
    [InlineData(32)]
    [InlineData(384)]
    public void DotUInt8Int8_ShiftedQuery_EqualsSignedDot(int length)
    {
        if (!VectorMath.HasVnni)
        {
            Assert.Skip("No AVX-VNNI on this CPU.");
        }

        var random = new Random(length);
        var q = Enumerable.Range(0, length).Select(_ => (sbyte)random.Next(-127, 128)).ToArray();
        var v = Enumerable.Range(0, length).Select(_ => (sbyte)random.Next(-127, 128)).ToArray();
        var shifted = q.Select(x => (byte)(x + 128)).ToArray();

        Assert.Equal(VectorMath.DotInt8(q, v), VectorMath.DotUInt8Int8(shifted, v) - (128 * VectorMath.Sum(v)));
    }

    [Theory]
    [InlineData(5)]
    [InlineData(32)]
    [InlineData(384)]
    [InlineData(1000)]
    public void DotInt8_AnyLength_EqualsScalar(int length)
    {
        var random = new Random(length);
        var a = Enumerable.Range(0, length).Select(_ => (sbyte)random.Next(-127, 128)).ToArray();
        var b = Enumerable.Range(0, length).Select(_ => (sbyte)random.Next(-127, 128)).ToArray();

        Assert.Equal(a.Zip(b, (x, y) => x * y).Sum(), VectorMath.DotInt8(a, b));
    }
}
