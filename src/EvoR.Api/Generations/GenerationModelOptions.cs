using System.ComponentModel.DataAnnotations;
using EvoR.Pipeline.Knowledge;

namespace EvoR.Api.Generations;

/// <summary>
/// A model alias of the OpenAI-compatible endpoint (<c>Generations:Models:&lt;alias&gt;</c>): a chat client that can only
/// choose a model gets a method with retrieval by naming the alias. Members of a request's <c>evor</c> extension,
/// when a client sends them, win over the alias's.
/// </summary>
public sealed class GenerationModelOptions
{
    /// <summary>The method: <c>evor</c> (default), <c>vanilla</c>, <c>docprompting</c>, <c>reflexion</c> or <c>evor+reflexion</c>.</summary>
    public string Method { get; set; } = "evor";

    /// <summary>The knowledge base retrieved from; none: no retrieval.</summary>
    public string? KnowledgeBase { get; set; }

    /// <summary>The problems' language; default <c>python</c>.</summary>
    public string? Language { get; set; }

    /// <summary>The library the problems are about (named in prompts).</summary>
    public string? Library { get; set; }

    /// <summary>Source kinds retrieved (<c>documentation</c>, <c>web</c>, <c>execution_feedback</c>, <c>code_snippet</c>); none: all.</summary>
    public List<string>? Sources { get; set; }

    /// <summary>Round budget, 1–20; none: the method's default.</summary>
    [Range(1, 20)]
    public int? MaxRounds { get; set; }

    /// <summary>Shown in <c>GET /v1/models</c>.</summary>
    public string? Description { get; set; }

    /// <summary>The methods an alias may name (the pipeline's registered methods).</summary>
    public static IReadOnlyList<string> KnownMethods { get; } = ["evor", "vanilla", "docprompting", "reflexion", "evor+reflexion"];

    internal IEnumerable<string> Problems(string alias)
    {
        var at = $"{GenerationOptions.SectionName}:Models:{alias}";
        if (alias.Length == 0 || alias.Length > 64 || alias.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c == '/'))
        {
            yield return $"{at}: an alias is 1–64 characters without spaces, control characters or '/'.";
        }

        if (alias.Equals("evor", StringComparison.OrdinalIgnoreCase) || alias.StartsWith("evor:", StringComparison.OrdinalIgnoreCase))
        {
            yield return $"{at}: 'evor' and 'evor:<method>' are the built-in models; choose another alias.";
        }

        if (!KnownMethods.Contains(Method.Trim().ToLowerInvariant()))
        {
            yield return $"{at}:Method '{Method}' is not a method; use {string.Join(", ", KnownMethods)}.";
        }

        foreach (var source in Sources ?? [])
        {
            string? error = null;
            try
            {
                SourceKinds.Parse(source, $"{at}:Sources");
            }
            catch (KnowledgeException ex)
            {
                error = $"{at}:Sources: {ex.Message}";
            }

            if (error is not null)
            {
                yield return error;
            }
        }

        if (MaxRounds is { } rounds && rounds is < 1 or > 20)
        {
            yield return $"{at}:MaxRounds must be between 1 and 20, not {rounds}.";
        }
    }
}
