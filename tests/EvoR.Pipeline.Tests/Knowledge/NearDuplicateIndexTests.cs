using EvoR.Pipeline.Knowledge;

namespace EvoR.Pipeline.Tests.Knowledge;

public sealed class NearDuplicateIndexTests
{
    private const string Text =
        "Bucket.fetch reads the value stored under a key and returns the default when the key is missing. " +
        "It was renamed from Bucket.get in version three because get clashed with dictionary semantics.";

    [Fact]
    public void FindDuplicate_OneWordChanged_IsFound()
    {
        var index = new NearDuplicateIndex(0.8);
        index.Add("a", NearDuplicateIndex.Sign(Text));

        var found = index.FindDuplicate("b", NearDuplicateIndex.Sign(Text.Replace("returns", "gives", StringComparison.Ordinal)));

        Assert.Equal("a", found);
    }

    [Fact]
    public void FindDuplicate_WhitespaceAndCaseOnly_IsFoundEvenWhenShort()
    {
        var index = new NearDuplicateIndex(0.8);
        index.Add("a", NearDuplicateIndex.Sign("Short note."));

        Assert.Equal("a", index.FindDuplicate("b", NearDuplicateIndex.Sign("  short   NOTE ")));
    }

    [Fact]
    public void FindDuplicate_DifferentText_IsNotFound()
    {
        var index = new NearDuplicateIndex(0.8);
        index.Add("a", NearDuplicateIndex.Sign(Text));

        var other = "Bucket.scan iterates keys in lexicographic order starting with a prefix; pagination is automatic and the limit caps the number of keys per call.";
        Assert.Null(index.FindDuplicate("b", NearDuplicateIndex.Sign(other)));
    }

    [Fact]
    public void FindDuplicate_SameId_IsNotItsOwnDuplicate()
    {
        var index = new NearDuplicateIndex(0.8);
        index.Add("a", NearDuplicateIndex.Sign(Text));

        Assert.Null(index.FindDuplicate("a", NearDuplicateIndex.Sign(Text)));
    }

    [Fact]
    public void Remove_Document_IsNoLongerFound()
    {
        var index = new NearDuplicateIndex(0.8);
        index.Add("a", NearDuplicateIndex.Sign(Text));
        index.Remove("a");

        Assert.Null(index.FindDuplicate("b", NearDuplicateIndex.Sign(Text)));
    }
}
