namespace EvoR.Bench.Statistics;

/// <summary>Order statistics of a sample.</summary>
internal static class Percentiles
{
    /// <summary>
    /// The <paramref name="percentile"/>-th percentile (0–100) of <paramref name="values"/> by linear interpolation
    /// between closest ranks (the method of NumPy's default and Excel's <c>PERCENTILE.INC</c>): rank
    /// <c>p/100 × (n − 1)</c> on the sorted sample. p0 is the minimum, p100 the maximum, p50 the median.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="values"/> is empty or holds NaN.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="percentile"/> is outside 0–100.</exception>
    public static double Of(IReadOnlyCollection<double> values, double percentile)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            throw new ArgumentException("A percentile of no values is undefined.", nameof(values));
        }

        if (double.IsNaN(percentile) || percentile < 0 || percentile > 100)
        {
            throw new ArgumentOutOfRangeException(nameof(percentile), percentile, "A percentile is between 0 and 100.");
        }

        var sorted = values.ToArray();
        if (sorted.Any(double.IsNaN))
        {
            throw new ArgumentException("Values must not be NaN.", nameof(values));
        }

        Array.Sort(sorted);
        var rank = percentile / 100.0 * (sorted.Length - 1);
        var lower = (int)Math.Floor(rank);
        var upper = (int)Math.Ceiling(rank);
        return sorted[lower] + ((rank - lower) * (sorted[upper] - sorted[lower]));
    }
}

/// <summary>Latency summary of one series of measurements, in milliseconds.</summary>
internal sealed record LatencySummary(int Count, double MinMs, double P50Ms, double P95Ms, double MaxMs, double MeanMs)
{
    public static LatencySummary From(IReadOnlyCollection<double> millis)
    {
        ArgumentNullException.ThrowIfNull(millis);
        return new LatencySummary(
            millis.Count,
            Percentiles.Of(millis, 0),
            Percentiles.Of(millis, 50),
            Percentiles.Of(millis, 95),
            Percentiles.Of(millis, 100),
            millis.Average());
    }
}
