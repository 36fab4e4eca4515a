using EvoR.Pipeline.Knowledge;

namespace EvoR.Pipeline.Web;

/// <summary>A web page (or search result) as plain text.</summary>
public sealed record WebPage(string Url, string Title, string Text);

/// <summary>Searches the web (or a snapshot of it) for pages about a query.</summary>
public interface IWebSearchSource
{
    /// <summary><c>snapshot</c>, <c>searxng</c> or <c>none</c>.</summary>
    string Name { get; }

    /// <summary>At most <paramref name="maxResults"/> pages, best first.</summary>
    Task<IReadOnlyList<WebPage>> SearchAsync(string query, int maxResults, CancellationToken cancellationToken = default);
}

/// <summary>The source used when <c>WebSearch:Provider</c> is <c>none</c>: finds nothing.</summary>
public sealed class NoWebSearchSource : IWebSearchSource
{
    public string Name => "none";

    public Task<IReadOnlyList<WebPage>> SearchAsync(string query, int maxResults, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<WebPage>>([]);
}

public static class WebPages
{
    /// <summary>Pages as knowledge documents (source <c>web</c>, id and provenance the URL), ready to add to a base.</summary>
    public static IReadOnlyList<KnowledgeDocument> ToDocuments(IEnumerable<WebPage> pages, string? language = null, string? library = null) =>
    [
        .. pages.Select(p => new KnowledgeDocument
        {
            Id = p.Url,
            Title = p.Title,
            Text = p.Text,
            Source = SourceKind.Web,
            Language = language,
            Library = library,
            Provenance = new Provenance { Url = p.Url },
        }),
    ];
}
