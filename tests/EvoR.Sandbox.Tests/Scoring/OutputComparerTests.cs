using EvoR.Sandbox.Scoring;

namespace EvoR.Sandbox.Tests.Scoring;

public sealed class OutputComparerTests
{
    [Theory]
    [InlineData("1 2\n", "1 2", false, null, true)]
    [InlineData("1 2  \r\n\n\n", "1 2\n", false, null, true)]
    [InlineData("1  2\n", "1 2\n", false, null, false)]
    [InlineData("1  2\n", "1 2\n", true, null, true)]
    [InlineData("a\nb", "a b", true, null, true)]
    [InlineData("0.3333333", "0.333333333", false, 1e-6, true)]
    [InlineData("0.34", "0.333333333", false, 1e-6, false)]
    [InlineData("1000001", "1000000", false, 1e-6, true)]
    [InlineData("abc 1.0", "abd 1.0", false, 1e-6, false)]
    [InlineData("1 2 3", "1 2", true, null, false)]
    [InlineData("nan", "nan", false, 1e-6, true)]
    [InlineData("inf", "1e308", false, 1e-6, false)]
    public void Matches_Table(string actual, string expected, bool ignoreWhitespace, double? tolerance, bool match) =>
        Assert.Equal(match, OutputComparer.Matches(actual, expected, ignoreWhitespace, tolerance));
}
