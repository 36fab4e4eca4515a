namespace EvoR.Pipeline.Knowledge;

/// <summary>Stable kinds of knowledge-base error; an API maps each to a status and a problem-detail type.</summary>
public enum KnowledgeErrorKind
{
    /// <summary>No knowledge base has that name (404).</summary>
    UnknownBase,

    /// <summary>A knowledge base of that name exists already (409).</summary>
    BaseAlreadyExists,

    /// <summary>The base cannot be deleted or changed that way now, e.g. it still has overlays (409).</summary>
    BaseInUse,

    /// <summary>The base name is not valid (400).</summary>
    InvalidName,

    /// <summary>The query is empty or only whitespace (400).</summary>
    EmptyQuery,

    /// <summary>A document is larger than <c>Knowledge:MaxDocumentBytes</c>, or a batch has too many documents (413).</summary>
    DocumentTooLarge,

    /// <summary>A source kind is not one of documentation, web, execution_feedback, code_snippet (400).</summary>
    InvalidSourceKind,

    /// <summary>Dense or hybrid search was asked for while embeddings are disabled (400).</summary>
    DenseUnavailable,

    /// <summary>Any other invalid request: empty text, k out of range, malformed input line (400).</summary>
    InvalidRequest,
}

/// <summary>A knowledge-base request cannot be served as given. Nothing was changed.</summary>
public sealed class KnowledgeException(KnowledgeErrorKind kind, string message, string? field = null, Exception? inner = null)
    : Exception(message, inner)
{
    public KnowledgeErrorKind Kind { get; } = kind;

    /// <summary>The request member at fault, in JSON path form (e.g. <c>documents[3].text</c>), when there is one.</summary>
    public string? Field { get; } = field;
}
