using EvoR.Bench.Datasets.EvorBench;

namespace EvoR.Bench.Tests.Datasets.EvorBench;

public sealed class AnswerComparerTests
{
    [Theory]
    // Values checked against CPython 3.11's round(x, d): half-even on the double's exact value.
    [InlineData(2.675, 2, 2.67)]
    [InlineData(0.125, 2, 0.12)]
    [InlineData(0.375, 2, 0.38)]
    [InlineData(-2.675, 2, -2.67)]
    [InlineData(1.0000005, 6, 1.000001)]
    [InlineData(1.4142135, 6, 1.414214)]
    [InlineData(0.0000015, 6, 0.000002)]
    [InlineData(2.004, 2, 2.0)]
    [InlineData(1e20, 2, 1e20)]
    [InlineData(5e-324, 2, 0.0)]
    public void PythonRound_MatchesCPython(double x, int digits, double expected) =>
        Assert.Equal(expected, AnswerComparer.PythonRound(x, digits));

    [Theory]
    [InlineData(" 1_0.5 ", true, 10.5)]
    [InlineData("1e3", true, 1000)]
    [InlineData(".5", true, 0.5)]
    [InlineData("5.", true, 5)]
    [InlineData("-Infinity", true, double.NegativeInfinity)]
    [InlineData("1__0", false, 0)]
    [InlineData("_1", false, 0)]
    [InlineData("1e", false, 0)]
    [InlineData("0x10", false, 0)]
    [InlineData("", false, 0)]
    [InlineData("true", false, 0)]
    public void TryPythonFloat_AcceptsWhatFloatAccepts(string text, bool ok, double value)
    {
        Assert.Equal(ok, AnswerComparer.TryPythonFloat(text, out var parsed));
        if (ok)
        {
            Assert.Equal(value, parsed);
        }
    }

    [Theory]
    [InlineData("3.14159\n", "3.14", true)]   // rounded to 2 decimals
    [InlineData("3.14159", "3.1449", true)]
    [InlineData("3.14159", "3.15", false)]
    [InlineData("2.004", " 2 \n", true)]     // stripped, then 2.0 == 2.0
    [InlineData("hello  world\nagain\n", "hello  world\nagain", true)] // inner whitespace kept, outer stripped
    [InlineData("hello  world", "hello world", false)]
    [InlineData("3.14", "pi", false)]         // numeric gold, non-numeric answer
    [InlineData("true", "1", false)]          // no true/false mapping for Pony
    public void Pony_StripsAndRoundsTo2Decimals(string gold, string predicted, bool expected)
    {
        Assert.Equal(expected, AnswerComparer.Matches(ComparisonRule.Pony, gold, predicted));
        // Pony has no quirk to switch: the released rule is the same.
        Assert.Equal(expected, AnswerComparer.Matches(ComparisonRule.Pony, gold, predicted, releasedQuirks: true));
    }

    [Theory]
    //           gold,         pred,        default, released
    [InlineData("true", "1", true, true)]
    [InlineData("false", "0", true, true)]
    [InlineData("false", "false", true, false)]      // released: gold 0.0 against the text "false" fails
    [InlineData("true\n", "1", true, false)]         // released: "true\n" is not mapped, then float("true\n") fails: raw compare
    [InlineData("1.414214", "1.4142136", true, true)] // 6 decimals
    [InlineData("1.414214", "1.5", false, false)]    // a larger number fails either way
    [InlineData("1.414214", "1.0", false, true)]      // released: with gold > 0 any smaller number passes
    [InlineData("-5", "3", false, true)]              // released: with gold < 0 any larger number passes
    [InlineData("-5", "-7", false, false)]
    [InlineData("0", "0.0000004", true, true)]        // rounds to 0
    [InlineData("0", "-1", false, false)]             // gold 0: only an exact 0
    [InlineData("100", "100.00009", true, true)]      // within 1e-6 relative
    [InlineData("100", "100.0002", false, false)]
    [InlineData("ring\n", "ring\n", true, true)]
    [InlineData("ring\n", "ring", true, false)]       // released: raw strings, no strip
    [InlineData("3", "three", false, false)]
    public void Ring_DefaultAndReleasedQuirks(string gold, string predicted, bool expectedDefault, bool expectedReleased)
    {
        Assert.Equal(expectedDefault, AnswerComparer.Matches(ComparisonRule.Ring, gold, predicted));
        Assert.Equal(expectedReleased, AnswerComparer.Matches(ComparisonRule.Ring, gold, predicted, releasedQuirks: true));
    }

    [Theory]
    [InlineData("42\n", "42", true)]
    [InlineData("4 2", "4  2", false)]
    [InlineData("1.0", "1", false)]
    public void Exact_StripsThenOrdinal(string gold, string predicted, bool expected) =>
        Assert.Equal(expected, AnswerComparer.Matches(ComparisonRule.Exact, gold, predicted));

    [Fact]
    public void Matches_PythonRule_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => AnswerComparer.Matches(ComparisonRule.PythonTestCode, "a", "a"));
}
