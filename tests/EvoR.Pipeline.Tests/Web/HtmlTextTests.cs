using EvoR.Pipeline.Web;

namespace EvoR.Pipeline.Tests.Web;

public sealed class HtmlTextTests
{
    [Theory]
    [InlineData("<p>a</p><p>b</p>", "a\n\nb")]
    [InlineData("x<br>y", "x\ny")]
    [InlineData("<style>.a{}</style><!-- c --><b>bold</b> &amp; <i>it</i>", "bold & it")]
    [InlineData("<nav>menu</nav><main>content</main><footer>f</footer>", "content")]
    [InlineData("a &lt;T&gt;   b", "a <T> b")]
    public void ToPlainText_Html_ReadableText(string html, string expected) =>
        Assert.Equal(expected, HtmlText.ToPlainText(html));

    [Fact]
    public void ToPlainText_MaxChars_Truncates() =>
        Assert.Equal("abc", HtmlText.ToPlainText("<p>abcdef</p>", 3));

    [Fact]
    public void Title_Document_ReturnsTitleText() =>
        Assert.Equal("A & B", HtmlText.Title("<html><head><title>A &amp; B</title></head></html>"));
}
