namespace EvoR.Pipeline.Knowledge;

/// <summary>Where a knowledge document comes from. Stored as its lower-case name.</summary>
public enum SourceKind
{
    /// <summary>Library or language documentation (default).</summary>
    Documentation,

    /// <summary>A page found on the web (snapshot or live search).</summary>
    Web,

    /// <summary>Compiler or test output produced by running generated code.</summary>
    ExecutionFeedback,

    /// <summary>A code snippet, for example a passing solution written during an EvoR round.</summary>
    CodeSnippet,
}

/// <summary>Parsing and formatting of <see cref="SourceKind"/> as the stable wire names.</summary>
public static class SourceKinds
{
    private static readonly Dictionary<string, SourceKind> ByName = new(StringComparer.OrdinalIgnoreCase)
    {
        ["documentation"] = SourceKind.Documentation,
        ["docs"] = SourceKind.Documentation,
        ["web"] = SourceKind.Web,
        ["execution_feedback"] = SourceKind.ExecutionFeedback,
        ["executionfeedback"] = SourceKind.ExecutionFeedback,
        ["feedback"] = SourceKind.ExecutionFeedback,
        ["code_snippet"] = SourceKind.CodeSnippet,
        ["codesnippet"] = SourceKind.CodeSnippet,
        ["code"] = SourceKind.CodeSnippet,
    };

    /// <summary>Every kind, in declaration order.</summary>
    public static IReadOnlyList<SourceKind> All { get; } = Enum.GetValues<SourceKind>();

    /// <summary>The stable wire name: <c>documentation</c>, <c>web</c>, <c>execution_feedback</c>, <c>code_snippet</c>.</summary>
    public static string ToWireName(this SourceKind kind) => kind switch
    {
        SourceKind.Documentation => "documentation",
        SourceKind.Web => "web",
        SourceKind.ExecutionFeedback => "execution_feedback",
        SourceKind.CodeSnippet => "code_snippet",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>Parses a wire name (or a common alias, case-insensitive).</summary>
    /// <exception cref="KnowledgeException">Kind <see cref="KnowledgeErrorKind.InvalidSourceKind"/> when unknown.</exception>
    public static SourceKind Parse(string? value, string field = "source") =>
        value is not null && ByName.TryGetValue(value.Trim(), out var kind)
            ? kind
            : throw new KnowledgeException(
                KnowledgeErrorKind.InvalidSourceKind,
                $"Unknown source kind '{value}'; expected one of documentation, web, execution_feedback, code_snippet.",
                field);

    /// <summary>Bit of <paramref name="kind"/> in a source mask.</summary>
    internal static int Bit(this SourceKind kind) => 1 << (int)kind;

    /// <summary>Mask of the given kinds; every kind when none is given.</summary>
    internal static int Mask(IReadOnlyCollection<SourceKind>? kinds)
    {
        if (kinds is null || kinds.Count == 0)
        {
            return (1 << All.Count) - 1;
        }

        var mask = 0;
        foreach (var kind in kinds)
        {
            mask |= kind.Bit();
        }

        return mask;
    }
}
