using EvoR.Bench.Statistics;

namespace EvoR.Bench.Tests.Statistics;

public sealed class PercentilesTests
{
    // Expected values are numpy.percentile's defaults (linear interpolation) for the same samples.
    [Theory]
    [InlineData(new[] { 1.0, 2, 3, 4 }, 0, 1.0)]
    [InlineData(new[] { 1.0, 2, 3, 4 }, 50, 2.5)]
    [InlineData(new[] { 1.0, 2, 3, 4 }, 95, 3.85)]
    [InlineData(new[] { 1.0, 2, 3, 4 }, 100, 4.0)]
    [InlineData(new[] { 4.0, 1, 3, 2 }, 50, 2.5)]
    [InlineData(new[] { 15.0, 20, 35, 40, 50 }, 40, 29.0)]
    [InlineData(new[] { 15.0, 20, 35, 40, 50 }, 50, 35.0)]
    [InlineData(new[] { 15.0, 20, 35, 40, 50 }, 95, 48.0)]
    [InlineData(new[] { 7.0 }, 95, 7.0)]
    [InlineData(new[] { 5.0, 5, 5 }, 50, 5.0)]
    public void Of_Sample_InterpolatesBetweenClosestRanks(double[] values, double percentile, double expected) =>
        Assert.Equal(expected, Percentiles.Of(values, percentile), precision: 10);

    [Fact]
    public void Of_OneToHundred_P95IsNinetyFiveAndAFraction()
    {
        var values = Enumerable.Range(1, 100).Select(i => (double)i).Reverse().ToList();

        Assert.Equal(95.05, Percentiles.Of(values, 95), precision: 10);
        Assert.Equal(50.5, Percentiles.Of(values, 50), precision: 10);
    }

    [Fact]
    public void Of_Input_IsNotReordered()
    {
        double[] values = [3, 1, 2];

        _ = Percentiles.Of(values, 50);

        Assert.Equal([3.0, 1, 2], values);
    }

    [Fact]
    public void Of_Empty_ThrowsArgument() =>
        Assert.Throws<ArgumentException>(() => Percentiles.Of([], 50));

    [Fact]
    public void Of_NaNValue_ThrowsArgument() =>
        Assert.Throws<ArgumentException>(() => Percentiles.Of([1.0, double.NaN], 50));

    [Theory]
    [InlineData(-0.1)]
    [InlineData(100.1)]
    [InlineData(double.NaN)]
    public void Of_PercentileOutOfRange_ThrowsArgumentOutOfRange(double percentile) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Percentiles.Of([1.0, 2.0], percentile));

    [Fact]
    public void From_Sample_SummarisesEveryOrderStatistic()
    {
        var summary = LatencySummary.From([10.0, 20, 30, 40, 50]);

        Assert.Equal(new LatencySummary(5, 10, 30, 48, 50, 30), summary);
    }
}
