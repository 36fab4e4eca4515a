using EvoR.Pipeline.Knowledge;

namespace EvoR.Pipeline.Tests.Knowledge;

public sealed class MarkdownChunkerTests
{
    [Fact]
    public void Chunk_Headings_OneChunkPerSectionWithHeadingPath()
    {
        const string md = "# Guide\nIntro text.\n## Install\nRun pip install.\n## Use\nCall connect().\n### Options\nTimeout.";

        var chunks = MarkdownChunker.Chunk(md, 256);

        Assert.Equal(["Guide", "Guide > Install", "Guide > Use", "Guide > Use > Options"], chunks.Select(c => c.Heading));
        Assert.Equal("Guide > Install\n\nRun pip install.", chunks[1].Text);
    }

    [Fact]
    public void Chunk_HeadingInsideFence_IsNotASplit()
    {
        const string md = "# Shell\n```bash\n# not a heading\necho hi\n```\nAfter.";

        var chunks = MarkdownChunker.Chunk(md, 256);

        var chunk = Assert.Single(chunks);
        Assert.Contains("# not a heading", chunk.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(32)]
    [InlineData(64)]
    [InlineData(200)]
    public void Chunk_LongSection_EveryChunkWithinCap(int cap)
    {
        var paragraphs = Enumerable.Range(0, 40).Select(i => $"Paragraph {i} talks about sockets, timeouts and retries in some detail.");
        var md = "# Big\n" + string.Join("\n\n", paragraphs) + "\n\n" + string.Join(' ', Enumerable.Repeat("word", 500));

        var chunks = MarkdownChunker.Chunk(md, cap);

        Assert.True(chunks.Count > 1);
        Assert.All(chunks, c => Assert.InRange(c.Tokens, 1, cap));
        Assert.All(chunks, c => Assert.StartsWith("Big\n\n", c.Text, StringComparison.Ordinal));
        Assert.Contains(chunks, c => c.Text.Contains("Paragraph 39", StringComparison.Ordinal));
    }

    [Fact]
    public void Chunk_TitleNotInHeadings_PrefixesEveryChunk()
    {
        var chunks = MarkdownChunker.Chunk("Plain text without headings.", 256, "My Doc");

        Assert.Equal("My Doc\n\nPlain text without headings.", Assert.Single(chunks).Text);
    }

    [Fact]
    public void Chunk_EmptySections_AreDropped()
    {
        var chunks = MarkdownChunker.Chunk("# A\n\n# B\ntext", 256);

        Assert.Equal("B", Assert.Single(chunks).Heading);
    }

    [Theory]
    [InlineData("hello world", 2)]
    [InlineData("foo(bar, baz);", 7)]
    [InlineData("snake_case_name", 5)]
    [InlineData("", 0)]
    public void Count_Text_CountsWordsAndSymbols(string text, int expected) =>
        Assert.Equal(expected, ApproximateTokenCounter.Count(text));
}
