namespace EvoR.Bench.Runs;

/// <summary>The unbiased pass@k estimator of Chen et al. (2021): 1 − C(n−c, k) / C(n, k), averaged over problems.</summary>
internal static class PassAtK
{
    public static double Estimate(int n, int c, int k)
    {
        if (n - c < k)
        {
            return 1.0;
        }

        var product = 1.0;
        for (var i = n - c + 1; i <= n; i++)
        {
            product *= 1.0 - k / (double)i;
        }

        return 1.0 - product;
    }

    /// <summary>Mean over <paramref name="problems"/>; a problem with fewer than <paramref name="n"/> finished samples counts
    /// its missing ones as failures (the denominator never shrinks).</summary>
    public static double Mean(int problems, IEnumerable<(int Samples, int Correct)> perProblem, int n, int k) =>
        problems == 0 ? 0 : perProblem.Sum(p => Estimate(n, Math.Min(p.Correct, n), k)) / problems;
}
