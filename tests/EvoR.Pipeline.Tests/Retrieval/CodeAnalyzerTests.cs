using EvoR.Pipeline.Retrieval;

namespace EvoR.Pipeline.Tests.Retrieval;

public sealed class CodeAnalyzerTests
{
    [Theory]
    [InlineData("getUserName", new[] { "getusernam", "get", "user", "name" })]
    [InlineData("open_bucket", new[] { "open_bucket", "open", "bucket" })]
    [InlineData("np.linalg.solve", new[] { "np.linalg.solv", "np", "linalg", "solv" })]
    [InlineData("HTTPServer2", new[] { "httpserver2", "http", "server", "2" })]
    [InlineData("the Buckets", new[] { "bucket" })]
    [InlineData("end of sentence.", new[] { "end", "sentenc" })]
    public void Terms_Identifiers_KeptWholeAndSplit(string text, string[] expected)
    {
        using var analyzer = new CodeAnalyzer();

        Assert.Equal(expected, analyzer.Terms("text", text));
    }

    [Theory]
    [InlineData("parseJSON", new[] { "parse", "JSON" })]
    [InlineData("XMLHttpRequest", new[] { "XML", "Http", "Request" })]
    [InlineData("__init__", new[] { "init" })]
    [InlineData("a.b_c", new[] { "a", "b", "c" })]
    public void Split_Identifier_Parts(string token, string[] expected) =>
        Assert.Equal(expected, IdentifierSplitFilter.Split(token));
}
