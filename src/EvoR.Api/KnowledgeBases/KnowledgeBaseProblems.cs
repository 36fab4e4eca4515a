using EvoR.Api.Problems;
using EvoR.Pipeline.Knowledge;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EvoR.Api.KnowledgeBases;

/// <summary>The problem details of the knowledge-base endpoints, one per way a request can fail.</summary>
internal static class KnowledgeBaseProblems
{
    /// <summary>Another key's shared base: it may be read and searched, not written.</summary>
    public const string ReadOnlyType = ProblemTypes.Prefix + "knowledge-base-read-only";

    /// <summary>A JSON Lines body whose newlines were lost (<c>curl -d</c> strips them).</summary>
    public const string JsonLinesNewlinesLostType = ProblemTypes.Prefix + "json-lines-newlines-lost";

    public static ProblemHttpResult UnknownBase(string name, string field = "name") =>
        ProblemDetailsExtensions.Problem(
            StatusCodes.Status404NotFound, ProblemTypes.UnknownKnowledgeBase, "Unknown knowledge base",
            $"No knowledge base named '{name}'.", [new("field", field)]);

    public static ProblemHttpResult UnknownOverlay(string name, string overlay) =>
        ProblemDetailsExtensions.Problem(
            StatusCodes.Status404NotFound, ProblemTypes.UnknownKnowledgeBase, "Unknown overlay",
            $"Knowledge base '{name}' has no overlay named '{overlay}'.", [new("field", "overlay")]);

    public static ProblemHttpResult ReadOnly(string name) =>
        ProblemDetailsExtensions.Problem(
            StatusCodes.Status403Forbidden, ReadOnlyType, "Knowledge base is read-only for this key",
            $"Knowledge base '{name}' is shared by another API key: it may be read and searched, not changed.",
            [new("field", "name")]);

    public static ProblemHttpResult JsonLinesNewlinesLost(int line) =>
        ProblemDetailsExtensions.Problem(
            StatusCodes.Status400BadRequest, JsonLinesNewlinesLostType, "JSON Lines without newlines",
            $"Line {line} of the JSON Lines body holds several JSON values: its newlines were lost on the way. " +
            "'curl -d @file' strips newlines; send the file with 'curl --data-binary @file'.",
            [new("field", "body"), new("line", line)]);

    public static ProblemHttpResult UnsupportedUpload(string? contentType) =>
        ProblemDetailsExtensions.Problem(
            StatusCodes.Status415UnsupportedMediaType, ProblemTypes.UnsupportedMediaType, "Unsupported media type",
            $"Content-Type '{contentType}' is not accepted for files; send multipart/form-data (files and archives as " +
            "parts) or an archive body (application/zip, application/gzip for .tar.gz, application/x-tar).",
            [new("field", "body")]);

    /// <summary>Maps a store error as the Pipeline README says: unknown base 404; exists, in use 409; too large 413;
    /// the rest 400. <c>field</c> names the request member at fault.</summary>
    public static ProblemHttpResult FromException(KnowledgeException error)
    {
        var extensions = new List<KeyValuePair<string, object?>> { new("field", error.Field) };
        var (status, type, title) = error.Kind switch
        {
            KnowledgeErrorKind.UnknownBase => (StatusCodes.Status404NotFound, ProblemTypes.UnknownKnowledgeBase, "Unknown knowledge base"),
            KnowledgeErrorKind.BaseAlreadyExists => (StatusCodes.Status409Conflict, ProblemTypes.KnowledgeBaseExists, "Knowledge base exists"),
            KnowledgeErrorKind.BaseInUse => (StatusCodes.Status409Conflict, ProblemTypes.KnowledgeBaseInUse, "Knowledge base in use"),
            KnowledgeErrorKind.InvalidName => (StatusCodes.Status400BadRequest, ProblemTypes.InvalidKnowledgeBaseName, "Invalid knowledge base name"),
            KnowledgeErrorKind.EmptyQuery => (StatusCodes.Status400BadRequest, ProblemTypes.EmptyQuery, "Empty query"),
            KnowledgeErrorKind.DocumentTooLarge => (StatusCodes.Status413PayloadTooLarge, ProblemTypes.DocumentTooLarge, "Document too large"),
            KnowledgeErrorKind.InvalidSourceKind => (StatusCodes.Status400BadRequest, ProblemTypes.InvalidSourceKind, "Invalid source kind"),
            KnowledgeErrorKind.DenseUnavailable => (StatusCodes.Status400BadRequest, ProblemTypes.DenseUnavailable, "Dense search unavailable"),
            _ when error.Field == "k" => (StatusCodes.Status400BadRequest, ProblemTypes.KOutOfRange, "k out of range"),
            _ => (StatusCodes.Status400BadRequest, ProblemTypes.InvalidRequest, "Invalid request"),
        };
        if (error.Kind == KnowledgeErrorKind.InvalidSourceKind)
        {
            extensions.Add(new("validSources", SourceWireNames.All));
        }

        return ProblemDetailsExtensions.Problem(status, type, title, error.Message, extensions);
    }

    public static ProblemHttpResult InvalidSourceKind(string? value, string field) =>
        ProblemDetailsExtensions.Problem(
            StatusCodes.Status400BadRequest, ProblemTypes.InvalidSourceKind, "Invalid source kind",
            (string.IsNullOrWhiteSpace(value) ? "A source kind is required" : $"Unknown source kind '{value}'") +
            $"; expected one of {string.Join(", ", SourceWireNames.All)}.",
            [new("field", field), new("validSources", SourceWireNames.All)]);

    public static ProblemHttpResult InvalidMode(string value) =>
        ProblemDetailsExtensions.Problem(
            StatusCodes.Status400BadRequest, ProblemTypes.InvalidSearchMode, "Invalid search mode",
            $"Unknown search mode '{value}'; expected bm25, dense or hybrid.",
            [new("field", "mode"), new("validModes", new[] { "bm25", "dense", "hybrid" })]);

    public static ProblemHttpResult KOutOfRange(string value, int maxK) =>
        ProblemDetailsExtensions.Problem(
            StatusCodes.Status400BadRequest, ProblemTypes.KOutOfRange, "k out of range",
            $"k is '{value}'; it must be a whole number between 1 and {maxK} (setting Retrieval:MaxK).",
            [new("field", "k"), new("min", 1), new("max", maxK)]);

    public static ProblemHttpResult UnknownDocument(string name) =>
        ProblemDetailsExtensions.Problem(
            StatusCodes.Status404NotFound, ProblemTypes.UnknownDocument, "Unknown document",
            $"Knowledge base '{name}' has no document with that id.", [new("field", "id")]);

    /// <summary>The documents body could not be read: which line and column, one-based, and why.</summary>
    public static ProblemHttpResult InvalidJson(string detail, string path, long? line, long? column) =>
        ProblemDetailsExtensions.Problem(
            StatusCodes.Status400BadRequest, ProblemTypes.InvalidJson, "Malformed JSON", detail,
            [new("path", path), new("line", line), new("column", column)]);

    public static ProblemHttpResult UnsupportedMediaType(string? contentType) =>
        ProblemDetailsExtensions.Problem(
            StatusCodes.Status415UnsupportedMediaType, ProblemTypes.UnsupportedMediaType, "Unsupported media type",
            $"Content-Type '{contentType}' is not accepted; send a JSON array (application/json) or JSON Lines " +
            "(application/x-ndjson or application/jsonl).");
}
