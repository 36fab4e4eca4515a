using System.Security.Cryptography;
using System.Text;
using EvoR.Pipeline.Generation;
using EvoR.Pipeline.Knowledge;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EvoR.Pipeline.Methods;

/// <summary>Retrieved chunks for one prompt, in rank order, within the token budget.</summary>
public sealed record Retrieval(IReadOnlyList<SearchHit> Hits, string Retriever, int Tokens, int OmittedForBudget)
{
    public static Retrieval None { get; } = new([], "none", 0, 0);

    public IReadOnlyList<RetrievedDocument> Trace => [.. Hits.Select(h => new RetrievedDocument(
        h.Chunk.DocumentId, h.Chunk.ChunkId, h.KnowledgeBase, h.Chunk.Source, h.Score, Retriever, h.FoundBy, h.Chunk.Provenance))];
}

/// <summary>
/// The methods' access to the knowledge soup: searches a base (an overlay sees its parent too) with the configured
/// mode, k and token budget, falling back to BM25 when dense retrieval is unavailable; creates a job's overlay.
/// </summary>
public sealed class KnowledgeRetriever(IKnowledgeBaseStore store, IOptions<EvoROptions> options, ILogger<KnowledgeRetriever> logger)
{
    public IKnowledgeBaseStore Store => store;

    public async Task<Retrieval> SearchAsync(string knowledgeBase, string query, IReadOnlyList<SourceKind>? sources,
        MethodContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (string.IsNullOrWhiteSpace(query))
        {
            return Retrieval.None;
        }

        var o = options.Value;
        var request = new SearchRequest
        {
            Query = query,
            Mode = SearchModes.Parse(o.SearchMode),
            K = context.K ?? o.RetrievalK,
            Sources = sources,
            TokenBudget = context.TokenBudget ?? o.RetrievalTokenBudget,
        };
        SearchResult result;
        try
        {
            result = await store.SearchAsync(knowledgeBase, request, cancellationToken);
        }
        catch (KnowledgeException ex) when (ex.Kind == KnowledgeErrorKind.DenseUnavailable && request.Mode != SearchMode.Bm25)
        {
            MethodLog.SearchFallback(logger, request.Mode.ToWireName(), knowledgeBase);
            result = await store.SearchAsync(knowledgeBase, request with { Mode = SearchMode.Bm25 }, cancellationToken);
        }

        return new Retrieval(result.Hits, result.Mode.ToWireName(), result.Tokens, result.OmittedForBudget);
    }

    /// <summary>The job's overlay on the context's shared base (created when missing), or null without a base.</summary>
    public async Task<string?> EnsureOverlayAsync(MethodContext context, string method, string problemId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.KnowledgeBase is not { Length: > 0 } shared)
        {
            return null;
        }

        var name = context.Overlay ?? OverlayName(context.JobId, method, problemId);
        try
        {
            await store.GetAsync(name, cancellationToken);
        }
        catch (KnowledgeException ex) when (ex.Kind == KnowledgeErrorKind.UnknownBase)
        {
            await store.CreateAsync(name, new KnowledgeBaseSpec { Parent = shared, Description = $"EvoR overlay of job {context.JobId}", JobId = context.JobId, Owner = context.Owner }, cancellationToken);
        }

        return name;
    }

    /// <summary>A valid base name (<c>[a-z0-9][a-z0-9._-]{0,63}</c>) for a job × method × problem, made unique by a hash.</summary>
    public static string OverlayName(string jobId, string method, string problemId) =>
        Name($"{jobId}\0{method}\0{problemId}", $"{jobId}-{method}-{problemId}");

    /// <summary>A valid base name for an overlay shared by a group of problems (the bench's job × method × dataset);
    /// never equal to an <see cref="OverlayName"/> of the same parts.</summary>
    public static string GroupOverlayName(string jobId, string method, string group) =>
        Name($"group\0{jobId}\0{method}\0{group}", $"{jobId}-{method}-{group}");

    private static string Name(string raw, string readableParts)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(raw)))[..10];
        var readable = new StringBuilder();
        foreach (var c in readableParts.ToLowerInvariant())
        {
            readable.Append(c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '.' or '_' or '-' ? c : '-');
        }

        var prefix = readable.ToString();
        return $"ov-{(prefix.Length > 48 ? prefix[..48] : prefix)}-{hash}";
    }
}
