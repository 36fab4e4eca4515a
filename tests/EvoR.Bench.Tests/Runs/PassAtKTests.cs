using EvoR.Bench.Runs;

namespace EvoR.Bench.Tests.Runs;

public sealed class PassAtKTests
{
    [Theory]
    [InlineData(10, 0, 1, 0.0)]
    [InlineData(10, 10, 1, 1.0)]
    [InlineData(5, 1, 1, 0.2)]
    [InlineData(5, 1, 2, 0.4)] // 1 - C(4,2)/C(5,2) = 1 - 6/10
    [InlineData(5, 4, 2, 1.0)] // fewer wrong samples than k: every draw of k holds a correct one
    [InlineData(10, 3, 5, 0.916666666667)] // 1 - C(7,5)/C(10,5) = 1 - 21/252
    public void Estimate_KnownValues(int n, int c, int k, double expected) =>
        Assert.Equal(expected, PassAtK.Estimate(n, c, k), 9);

    [Fact]
    public void Mean_UnfinishedProblems_CountAgainstTheDenominator() =>
        Assert.Equal(0.25, PassAtK.Mean(4, [(2, 2)], 2, 1), 9);
}
