using EvoR.Pipeline.Generation;

namespace EvoR.Pipeline.Tests.Generation;

public sealed class CodeExtractorTests
{
    [Theory]
    [InlineData("Here:\n```python\nx = 1\n```\nDone.", "x = 1", ExtractionKind.Fenced)]
    [InlineData("```\nx = 1\n```", "x = 1", ExtractionKind.Fenced)]
    [InlineData("```text\nexample\n```\n```py\nx = 1\n```", "x = 1", ExtractionKind.Fenced)]
    [InlineData("```lua\nprint(1)\n```", "print(1)", ExtractionKind.Fenced)]
    [InlineData("~~~python\nx = 1\n~~~", "x = 1", ExtractionKind.Fenced)]
    [InlineData("```python\nx = 1\ny = 2", "x = 1\ny = 2", ExtractionKind.Fenced)]
    [InlineData("def f():\n    return 1\n", "def f():\n    return 1", ExtractionKind.WholeReply)]
    [InlineData("", "", ExtractionKind.Empty)]
    [InlineData("  \n ", "", ExtractionKind.Empty)]
    [InlineData("```python\n\n```", "", ExtractionKind.Empty)]
    public void Extract_Reply_ReturnsCodeAndKind(string reply, string code, ExtractionKind kind)
    {
        var extracted = CodeExtractor.Extract(reply, "python");

        Assert.Equal((code, kind), (extracted.Code, extracted.Kind));
    }

    [Fact]
    public void Hash_PromptSet_IsStableHexAndAssembleFillsSlot()
    {
        var problem = new GenerationProblem { Id = "p", Description = "d", Language = "python", CodeContext = "a\n[insert]\nb" };

        Assert.Matches("^[0-9a-f]{64}$", PromptSet.Hash);
        Assert.Equal(PromptSet.Hash, PromptSet.Hash);
        Assert.Equal("a\nx = 1\nb", problem.Assemble("x = 1"));
        Assert.Equal("hello world {{other}}", PromptSet.Render("hello {{name}} {{other}}", ("name", "world")));
    }
}
