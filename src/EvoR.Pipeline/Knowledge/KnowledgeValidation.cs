using System.Text;
using System.Text.RegularExpressions;
using EvoR.Pipeline.Retrieval;

namespace EvoR.Pipeline.Knowledge;

/// <summary>
/// The checks a request passes before the store touches anything: base names, a batch of documents, a search. Each
/// failure is a <see cref="KnowledgeException"/> naming the offending field.
/// </summary>
internal static partial class KnowledgeValidation
{
    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,63}$")]
    private static partial Regex NameRegex();

    /// <summary>Whether <paramref name="name"/> may name a base (and so a folder under the root).</summary>
    public static bool IsValidName(string? name) => name is not null && NameRegex().IsMatch(name);

    public static void Name(string name)
    {
        if (!IsValidName(name))
        {
            throw new KnowledgeException(KnowledgeErrorKind.InvalidName, $"Invalid knowledge base name '{name}': 1–64 of a-z, 0-9, '.', '_', '-', starting with a letter or digit.", "name");
        }
    }

    public static void Documents(IReadOnlyList<KnowledgeDocument> batch, KnowledgeOptions options)
    {
        if (batch.Count > options.MaxDocumentsPerRequest)
        {
            throw new KnowledgeException(KnowledgeErrorKind.DocumentTooLarge, $"{batch.Count} documents in one request; at most {options.MaxDocumentsPerRequest} (Knowledge:MaxDocumentsPerRequest).", "documents");
        }

        for (var i = 0; i < batch.Count; i++)
        {
            var doc = batch[i] ?? throw new KnowledgeException(KnowledgeErrorKind.InvalidRequest, "Null document.", $"documents[{i}]");
            if (string.IsNullOrWhiteSpace(doc.Text))
            {
                throw new KnowledgeException(KnowledgeErrorKind.InvalidRequest, "Document text is empty.", $"documents[{i}].text");
            }

            var bytes = Encoding.UTF8.GetByteCount(doc.Text);
            if (bytes > options.MaxDocumentBytes)
            {
                throw new KnowledgeException(KnowledgeErrorKind.DocumentTooLarge, $"Document of {bytes} bytes; at most {options.MaxDocumentBytes} (Knowledge:MaxDocumentBytes).", $"documents[{i}].text");
            }

            if (!Enum.IsDefined(doc.Source))
            {
                throw new KnowledgeException(KnowledgeErrorKind.InvalidSourceKind, $"Invalid source kind {(int)doc.Source}.", $"documents[{i}].source");
            }

            if (DocumentIds.Problem(doc.Id) is { } problem)
            {
                throw new KnowledgeException(KnowledgeErrorKind.InvalidRequest, problem, $"documents[{i}].id");
            }
        }
    }

    public static void Search(SearchRequest request, int k, RetrievalOptions retrieval, bool embeddingsEnabled)
    {
        if (string.IsNullOrWhiteSpace(request.Query))
        {
            throw new KnowledgeException(KnowledgeErrorKind.EmptyQuery, "The query is empty.", "query");
        }

        if (k < 1 || k > retrieval.MaxK)
        {
            throw new KnowledgeException(KnowledgeErrorKind.InvalidRequest, $"k must be between 1 and {retrieval.MaxK}.", "k");
        }

        if (request.TokenBudget is < 0)
        {
            throw new KnowledgeException(KnowledgeErrorKind.InvalidRequest, "tokenBudget must not be negative.", "tokenBudget");
        }

        if (request.Bm25Weight is < 0 or > 10 || request.DenseWeight is < 0 or > 10)
        {
            throw new KnowledgeException(KnowledgeErrorKind.InvalidRequest, "Weights must be between 0 and 10.", "weights");
        }

        if (request.Sources?.FirstOrDefault(s => !Enum.IsDefined(s)) is { } bad && !Enum.IsDefined(bad))
        {
            throw new KnowledgeException(KnowledgeErrorKind.InvalidSourceKind, $"Invalid source kind {(int)bad}.", "sources");
        }

        if (!Enum.IsDefined(request.Mode))
        {
            throw new KnowledgeException(KnowledgeErrorKind.InvalidRequest, $"Invalid mode {(int)request.Mode}.", "mode");
        }

        if (request.Mode != SearchMode.Bm25 && !embeddingsEnabled)
        {
            throw new KnowledgeException(KnowledgeErrorKind.DenseUnavailable, "Embeddings are disabled (Embeddings:Enabled=false); only bm25 search is available.", "mode");
        }
    }
}
