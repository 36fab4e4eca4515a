using EvoR.Pipeline.Evolution;
using EvoR.Pipeline.Generation;
using EvoR.Sandbox;

namespace EvoR.Pipeline.Tests.Evolution;

public sealed class TestInputParserTests
{
    [Theory]
    [InlineData("[\"f(1)\", \"f(2)\"]", 2)]
    [InlineData("Sure:\n```json\n[\"f(1)\", \"f(2)\", \"f(3)\"]\n```", 3)]
    [InlineData("[1, [2, 3], \"\"]", 2)]
    [InlineData("[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\"]", 5)]
    [InlineData("f(1) and f(2)", null)]
    [InlineData("[\"unterminated", null)]
    [InlineData("[]", null)]
    [InlineData("", null)]
    public void ParseInputs_Reply_ReturnsInputsOrNull(string reply, int? count)
    {
        var inputs = TestInputParser.ParseInputs(reply, max: 5);

        Assert.Equal(count, inputs?.Count);
    }

    [Fact]
    public void ParseSelfTests_StdinCases_ReturnsIoTestsSkippingMalformedItems()
    {
        var tests = TestInputParser.ParseSelfTests("[{\"input\": \"1 2\", \"output\": \"3\"}, {\"input\": 5}]", ProgramStyle.Stdin, "python", 5);

        var io = Assert.IsType<IoTests>(tests);
        Assert.Equal("3", Assert.Single(io.Cases).ExpectedStdout);
        Assert.Null(TestInputParser.ParseSelfTests("no tests here []", ProgramStyle.Stdin, "python", 5));
    }

    [Fact]
    public void NormalizedError_SameErrorOnAnotherLine_ComparesEqual()
    {
        static ExecutionReport Report(int line) => new([new RunVerdict("visible tests", Verdict.RuntimeError, "The program crashed.", "",
            $"Traceback (most recent call last):\n  File \"/work/main.py\", line {line}, in <module>\nAttributeError: 'Bucket' object at 0x7f{line}ab has no attribute 'get'", 5)]);

        Assert.Equal(Report(3).NormalizedError, Report(12).NormalizedError);
        Assert.Contains("AttributeError", Report(3).Describe(2000), StringComparison.Ordinal);
        Assert.Empty(new ExecutionReport([new RunVerdict("program", Verdict.Passed, null, "1", "", 1)]).NormalizedError);
    }
}
