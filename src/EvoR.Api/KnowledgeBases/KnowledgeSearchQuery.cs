using System.Globalization;
using EvoR.Pipeline.Knowledge;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EvoR.Api.KnowledgeBases;

/// <summary>The query string of <c>GET /v1/knowledge-bases/{name}/search</c>.</summary>
internal static class KnowledgeSearchQuery
{
    /// <summary>The query string as a <see cref="SearchRequest"/>, or the problem with it. The query itself is
    /// checked by the store (after the base name, so that an unknown base is a 404 first).</summary>
    internal static ProblemHttpResult? Parse(
        string? q, string? k, string? sources, string? mode, string? languages, string? libraries, int maxK,
        bool embeddingsEnabled, out SearchRequest? request)
    {
        request = null;
        var searchMode = embeddingsEnabled ? SearchMode.Hybrid : SearchMode.Bm25;
        if (!string.IsNullOrWhiteSpace(mode))
        {
            switch (mode.Trim().ToUpperInvariant())
            {
                case "BM25": searchMode = SearchMode.Bm25; break;
                case "DENSE": searchMode = SearchMode.Dense; break;
                case "HYBRID": searchMode = SearchMode.Hybrid; break;
                default: return KnowledgeBaseProblems.InvalidMode(mode);
            }
        }

        int? hits = null;
        if (k is not null)
        {
            if (!int.TryParse(k, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) || parsed < 1 || parsed > maxK)
            {
                return KnowledgeBaseProblems.KOutOfRange(k, maxK);
            }

            hits = parsed;
        }

        var kinds = new List<SourceKind>();
        foreach (var value in Split(sources) ?? [])
        {
            if (SourceWireNames.TryParse(value) is not { } kind)
            {
                return KnowledgeBaseProblems.InvalidSourceKind(value, "sources");
            }

            kinds.Add(kind);
        }

        request = new SearchRequest
        {
            Query = q ?? "",
            Mode = searchMode,
            K = hits,
            Sources = kinds.Count == 0 ? null : kinds,
            Languages = Split(languages),
            Libraries = Split(libraries),
        };
        return null;
    }

    private static List<string>? Split(string? values)
    {
        var parts = values?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return parts is null || parts.Length == 0 ? null : [.. parts];
    }
}
