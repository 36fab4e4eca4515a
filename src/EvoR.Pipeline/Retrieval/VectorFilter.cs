namespace EvoR.Pipeline.Retrieval;

/// <summary>Filter attributes of one stored vector; interned ids, -1 for "none".</summary>
internal readonly record struct VectorAttributes(int SourceBit, int LanguageId, int LibraryId);

/// <summary>A resolved filter: a source bit mask and optional sets of allowed language and library ids.</summary>
internal sealed record VectorFilter(int SourceMask, IReadOnlySet<int>? Languages, IReadOnlySet<int>? Libraries)
{
    public bool Matches(in VectorAttributes a) =>
        (a.SourceBit & SourceMask) != 0 &&
        (Languages is null || Languages.Contains(a.LanguageId)) &&
        (Libraries is null || Libraries.Contains(a.LibraryId));
}

/// <summary>
/// The names of one filter attribute (languages, or libraries) as small ids, so that each stored vector carries ints
/// and a filter test in the scan's inner loop is a set lookup, never a string compare. Ids are handed out in order of
/// first use and never reused. Not thread-safe on its own: <see cref="VectorIndex"/> calls it under its lock.
/// </summary>
internal sealed class AttributeVocabulary
{
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);

    /// <summary>The id of <paramref name="value"/>, given one on first use; -1 for none.</summary>
    public int Intern(string? value)
    {
        if (value is null)
        {
            return -1;
        }

        if (!_ids.TryGetValue(value, out var id))
        {
            _ids[value] = id = _ids.Count;
        }

        return id;
    }

    /// <summary>The ids of <paramref name="names"/>, null (any) when there are none; a name never stored maps to an id
    /// that matches nothing.</summary>
    public HashSet<int>? Resolve(IReadOnlyCollection<string>? names)
    {
        if (names is null || names.Count == 0)
        {
            return null;
        }

        var ids = new HashSet<int>();
        foreach (var name in names)
        {
            ids.Add(_ids.TryGetValue(name, out var id) ? id : -2);
        }

        return ids;
    }
}
