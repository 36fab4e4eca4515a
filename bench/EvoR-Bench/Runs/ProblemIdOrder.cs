namespace EvoR.Bench.Runs;

/// <summary>
/// Orders problem ids as a person reads them: runs of digits by their value, the rest ordinally, so HumanEval/2 comes
/// before HumanEval/10 and q9 before q10. (The culture-aware NumericOrdering comparer is not available here: the
/// projects run with invariant globalization.)
/// </summary>
internal sealed class ProblemIdOrder : IComparer<string>
{
    public static readonly ProblemIdOrder Instance = new();

    public int Compare(string? x, string? y)
    {
        if (x is null || y is null)
        {
            return x is null ? (y is null ? 0 : -1) : 1;
        }

        int i = 0, j = 0;
        while (i < x.Length && j < y.Length)
        {
            if (char.IsAsciiDigit(x[i]) && char.IsAsciiDigit(y[j]))
            {
                var (a, nextI) = DigitRun(x, i);
                var (b, nextJ) = DigitRun(y, j);
                // Without leading zeros, a longer run is a larger number; equal lengths compare digit by digit.
                var byValue = a.Length != b.Length ? a.Length.CompareTo(b.Length) : string.CompareOrdinal(a, b);
                if (byValue != 0)
                {
                    return byValue;
                }

                (i, j) = (nextI, nextJ);
                continue;
            }

            if (x[i] != y[j])
            {
                return x[i].CompareTo(y[j]);
            }

            i++;
            j++;
        }

        var byRest = (x.Length - i).CompareTo(y.Length - j);
        return byRest != 0 ? byRest : string.CompareOrdinal(x, y);
    }

    private static (string Digits, int End) DigitRun(string s, int start)
    {
        var end = start;
        while (end < s.Length && char.IsAsciiDigit(s[end]))
        {
            end++;
        }

        var digits = s[start..end].TrimStart('0');
        return (digits, end);
    }
}
