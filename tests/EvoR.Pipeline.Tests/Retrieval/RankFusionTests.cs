using EvoR.Pipeline.Retrieval;

namespace EvoR.Pipeline.Tests.Retrieval;

public sealed class RankFusionTests
{
    [Fact]
    public void Fuse_DocumentInBothLists_RanksAboveSingles()
    {
        var fused = RankFusion.Fuse<string>(
            [new("a", 9), new("b", 8)],
            [new("c", 0.9f), new("b", 0.8f)],
            1,
            1,
            60);

        Assert.Equal(["b", "a", "c"], fused.Select(f => f.Key));
        Assert.Equal((1.0 / 62) + (1.0 / 62), fused[0].Score, 9);
        Assert.Equal((2, 8f, 2, 0.8f), (fused[0].Bm25Rank, fused[0].Bm25Score, fused[0].DenseRank, fused[0].DenseScore));
        Assert.Null(fused[1].DenseRank);
    }

    [Theory]
    [InlineData(1.0, 0.0, "a")]
    [InlineData(0.0, 1.0, "c")]
    [InlineData(1.0, 3.0, "c")]
    public void Fuse_Weights_FavourTheWeightedRetriever(double bm25, double dense, string expectedTop)
    {
        var fused = RankFusion.Fuse<string>([new("a", 9)], [new("c", 0.9f)], bm25, dense, 60);

        Assert.Equal(expectedTop, fused[0].Key);
    }
}
