using EvoR.Pipeline.Retrieval;

namespace EvoR.Pipeline.Tests.Retrieval;

/// <summary>The interning of filter names (languages, libraries) to the ids stored beside each vector.</summary>
public sealed class AttributeVocabularyTests
{
    [Fact]
    public void Intern_NamesInOrderOfFirstUse_NullIsMinusOne()
    {
        var vocabulary = new AttributeVocabulary();

        Assert.Equal(0, vocabulary.Intern("python"));
        Assert.Equal(1, vocabulary.Intern("java"));
        Assert.Equal(0, vocabulary.Intern("python"));
        Assert.Equal(-1, vocabulary.Intern(null));
    }

    [Fact]
    public void Resolve_KnownAndUnknownNames_UnknownMatchesNoStoredId()
    {
        var vocabulary = new AttributeVocabulary();
        vocabulary.Intern("python");

        Assert.Null(vocabulary.Resolve(null));
        Assert.Null(vocabulary.Resolve([]));
        Assert.Equal([-2, 0], vocabulary.Resolve(["python", "rust"])!.Order());
    }
}
