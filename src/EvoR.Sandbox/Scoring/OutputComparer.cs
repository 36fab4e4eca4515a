using System.Globalization;

namespace EvoR.Sandbox.Scoring;

/// <summary>Compares a program's stdout with the expected output of an io case.</summary>
public static class OutputComparer
{
    private static readonly char[] Whitespace = [' ', '\t', '\n', '\r', '\f', '\v'];

    /// <summary>
    /// Default: line endings normalised, trailing whitespace of each line and trailing blank lines ignored.
    /// <paramref name="ignoreWhitespace"/>: compare whitespace-separated tokens. <paramref name="tolerance"/>: tokens
    /// compare token by token, and two numeric tokens match when within the absolute or relative tolerance.
    /// </summary>
    public static bool Matches(string actual, string expected, bool ignoreWhitespace, double? tolerance)
    {
        if (tolerance is null && !ignoreWhitespace)
        {
            return Normalize(actual) == Normalize(expected);
        }

        var a = actual.Split(Whitespace, StringSplitOptions.RemoveEmptyEntries);
        var e = expected.Split(Whitespace, StringSplitOptions.RemoveEmptyEntries);
        if (a.Length != e.Length)
        {
            return false;
        }

        for (var i = 0; i < a.Length; i++)
        {
            if (a[i] == e[i])
            {
                continue;
            }

            if (tolerance is not { } t || !TryNumber(a[i], out var x) || !TryNumber(e[i], out var y))
            {
                return false;
            }

            var diff = Math.Abs(x - y);
            if (!(diff <= t || diff <= t * Math.Abs(y)))
            {
                return false;
            }
        }

        return true;
    }

    private static bool TryNumber(string token, out double value) =>
        double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

    private static string Normalize(string text)
    {
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n').Select(l => l.TrimEnd()).ToList();
        while (lines.Count > 0 && lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }

        return string.Join('\n', lines);
    }
}
