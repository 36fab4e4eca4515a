using System.Globalization;
using System.Numerics;
using System.Text.RegularExpressions;

namespace EvoR.Bench.Datasets.EvorBench;

/// <summary>
/// The stdin/stdout layout's answer comparison, as the released evals (<c>eval/Pony.py</c>, <c>eval/Ring.py</c>) do it.
/// Numbers are parsed as Python's <c>float()</c> parses them and rounded as Python's <c>round(x, n)</c> rounds (half to
/// even on the double's exact value), so the boundaries match the released code bit for bit.
/// </summary>
/// <remarks>
/// <para><b>Pony</b>: both sides stripped; when gold parses as a number both are rounded to 2 decimals (a numeric gold
/// against a non-numeric answer fails); pass iff equal. No true/false mapping. Compatibility mode changes nothing.</para>
/// <para><b>Ring</b>, default: both sides stripped; <c>true</c>/<c>false</c> map to 1/0 on both sides; numbers rounded to
/// 6 decimals pass when equal or within a relative error of 1e-6 either way; other text compares exactly after
/// strip.</para>
/// <para><b>Ring</b>, with <c>releasedQuirks</c> (the released code, off by default): only the <i>raw</i> gold
/// text exactly <c>true</c>/<c>false</c> is mapped (so <c>true\n</c> is not, and an answer of the text <c>false</c>
/// fails against it); the relative error is signed, <c>(pred − gold) / gold ≤ 1e-6</c>, so with gold &gt; 0 any smaller
/// number passes (with gold &lt; 0 any larger one); with gold 0 only an exact 0 passes; non-numeric text compares raw,
/// without strip.</para>
/// <para><b>Exact</b>: both sides stripped, then ordinal equality.</para>
/// </remarks>
internal static partial class AnswerComparer
{
    /// <summary>Whether <paramref name="predicted"/> matches <paramref name="gold"/> under <paramref name="rule"/>.</summary>
    /// <param name="rule">A stdin/stdout rule (not <see cref="ComparisonRule.PythonTestCode"/>).</param>
    /// <param name="gold">The gold answer file's text, as read (not stripped).</param>
    /// <param name="predicted">The program's answer, as read (not stripped).</param>
    /// <param name="releasedQuirks">Reproduce the released code's quirks (Ring's one-sided tolerance, exact-text
    /// boolean check and raw-string comparison). Off by default.</param>
    public static bool Matches(ComparisonRule rule, string gold, string predicted, bool releasedQuirks = false)
    {
        ArgumentNullException.ThrowIfNull(gold);
        ArgumentNullException.ThrowIfNull(predicted);
        return rule switch
        {
            ComparisonRule.Pony => Pony(gold, predicted),
            ComparisonRule.Ring => releasedQuirks ? RingReleased(gold, predicted) : Ring(gold, predicted),
            ComparisonRule.Exact => string.Equals(PyStrip(gold), PyStrip(predicted), StringComparison.Ordinal),
            _ => throw new ArgumentOutOfRangeException(nameof(rule), rule, "Only stdin/stdout rules compare text."),
        };
    }

    private static bool Pony(string gold, string predicted)
    {
        var g = PyStrip(gold);
        var p = PyStrip(predicted);
        if (TryPythonFloat(g, out var gv))
        {
            return TryPythonFloat(p, out var pv) && PythonRound(gv, 2) == PythonRound(pv, 2);
        }

        return string.Equals(g, p, StringComparison.Ordinal);
    }

    private static bool Ring(string gold, string predicted)
    {
        var g = MapBool(PyStrip(gold));
        var p = MapBool(PyStrip(predicted));
        if (TryPythonFloat(g, out var gv))
        {
            if (!TryPythonFloat(p, out var pv))
            {
                return false;
            }

            gv = PythonRound(gv, 6);
            pv = PythonRound(pv, 6);
            return pv == gv || gv != 0 && Math.Abs((pv - gv) / gv) <= 1e-6;
        }

        return string.Equals(g, p, StringComparison.Ordinal);

        static string MapBool(string text) => text switch { "true" => "1", "false" => "0", _ => text };
    }

    private static bool RingReleased(string gold, string predicted)
    {
        // if gold == 'false': gold = 0 / elif gold == 'true': gold = 1   (raw text, no strip)
        var g = gold switch { "false" => "0", "true" => "1", _ => gold };

        // rel_error = 1; try: gold = round(float(gold), 6); pred = round(float(pred), 6); rel_error = (pred-gold)/gold
        if (!TryPythonFloat(g, out var gv))
        {
            // float(gold) raised: both stay raw strings.
            return string.Equals(g, predicted, StringComparison.Ordinal);
        }

        gv = PythonRound(gv, 6);
        if (!TryPythonFloat(predicted, out var pv))
        {
            return false; // gold is now a float and pred a string: never equal, rel_error stays 1.
        }

        pv = PythonRound(pv, 6);
        var relError = gv == 0 ? 1 : (pv - gv) / gv; // ZeroDivisionError leaves rel_error at 1.
        return !(pv != gv && relError > 1e-6);
    }

    /// <summary>Python's <c>str.strip()</c> with no argument (Unicode whitespace).</summary>
    internal static string PyStrip(string text) => text.Trim();

    /// <summary>Python's <c>float(text)</c>: surrounding whitespace, sign, underscores between digits, <c>inf</c>,
    /// <c>infinity</c> and <c>nan</c> in any case.</summary>
    internal static bool TryPythonFloat(string text, out double value)
    {
        var t = text.Trim();
        var sign = 1.0;
        var body = t;
        if (body.StartsWith('+') || body.StartsWith('-'))
        {
            sign = body[0] == '-' ? -1 : 1;
            body = body[1..];
        }

        switch (body.ToLowerInvariant())
        {
            case "inf" or "infinity":
                value = sign * double.PositiveInfinity;
                return true;
            case "nan":
                value = double.NaN;
                return true;
        }

        if (!PythonFloatLiteral().IsMatch(body))
        {
            value = 0;
            return false;
        }

        value = sign * double.Parse(body.Replace("_", "", StringComparison.Ordinal), NumberStyles.Float, CultureInfo.InvariantCulture);
        return true;
    }

    /// <summary>Python's <c>round(x, digits)</c> for a float: the exact binary value rounded half to even at
    /// <paramref name="digits"/> decimals, then the nearest double.</summary>
    internal static double PythonRound(double x, int digits)
    {
        if (!double.IsFinite(x) || x == 0)
        {
            return x;
        }

        var bits = BitConverter.DoubleToInt64Bits(x);
        var negative = bits < 0;
        var exponent = (int)((bits >> 52) & 0x7FF);
        var mantissa = bits & 0xFFFFFFFFFFFFFL;
        if (exponent == 0)
        {
            exponent = 1;
        }
        else
        {
            mantissa |= 1L << 52;
        }

        exponent -= 1075; // x = mantissa * 2^exponent
        var scaled = new BigInteger(mantissa) * BigInteger.Pow(10, digits);
        BigInteger q;
        if (exponent >= 0)
        {
            q = scaled << exponent;
        }
        else
        {
            var den = BigInteger.One << -exponent;
            q = BigInteger.DivRem(scaled, den, out var r);
            var twice = r * 2;
            if (twice > den || twice == den && !q.IsEven)
            {
                q += 1;
            }
        }

        var result = double.Parse(q.ToString(CultureInfo.InvariantCulture) + "e-" + digits.ToString(CultureInfo.InvariantCulture), NumberStyles.Float, CultureInfo.InvariantCulture);
        return negative ? -result : result;
    }

    [GeneratedRegex(@"^(\d(_?\d)*(\.(\d(_?\d)*)?)?|\.\d(_?\d)*)([eE][+-]?\d(_?\d)*)?$")]
    private static partial Regex PythonFloatLiteral();
}
