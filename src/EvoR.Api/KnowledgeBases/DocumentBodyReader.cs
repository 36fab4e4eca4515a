using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;

namespace EvoR.Api.KnowledgeBases;

/// <summary>
/// Reads the body of <c>POST /v1/knowledge-bases/{name}/documents</c>: a JSON array of documents, or JSON Lines (one
/// document per non-blank line) when the content type is <c>application/x-ndjson</c> or <c>application/jsonl</c>.
/// A body that cannot be read becomes a problem that names the line and column. A body over the request limit fails
/// the read with the server's 413, which the exception handler turns into a problem.
/// </summary>
internal static class DocumentBodyReader
{
    public static bool IsJsonLines(string? mediaType) =>
        mediaType is not null && (mediaType.Equals("application/x-ndjson", StringComparison.OrdinalIgnoreCase)
                                  || mediaType.Equals("application/jsonl", StringComparison.OrdinalIgnoreCase)
                                  || mediaType.Equals("application/json-lines", StringComparison.OrdinalIgnoreCase));

    private static bool IsJson(string? mediaType) =>
        mediaType is not null && (mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
                                  || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase));

    public static async Task<(IReadOnlyList<DocumentBody>? Documents, ProblemHttpResult? Problem)> ReadAsync(
        HttpRequest request, JsonSerializerOptions options, CancellationToken cancellationToken)
    {
        var mediaType = MediaTypeHeaderValue.TryParse(request.ContentType, out var parsed) ? parsed.MediaType.Value : null;
        if (IsJsonLines(mediaType))
        {
            return await ReadLinesAsync(request.Body, options, cancellationToken);
        }

        if (!IsJson(mediaType))
        {
            return (null, KnowledgeBaseProblems.UnsupportedMediaType(request.ContentType));
        }

        try
        {
            var documents = await JsonSerializer.DeserializeAsync<List<DocumentBody?>>(request.Body, options, cancellationToken);
            if (documents is null)
            {
                return (null, KnowledgeBaseProblems.InvalidJson(
                    "The request body is null; send a JSON array of documents.", "$", 1, 1));
            }

            for (var i = 0; i < documents.Count; i++)
            {
                if (documents[i] is null)
                {
                    return (null, KnowledgeBaseProblems.InvalidJson(
                        $"Document {i} is null; each element must be an object with at least 'text' and 'source'.", $"$[{i}]", null, null));
                }
            }

            return (documents!, null);
        }
        catch (JsonException json)
        {
            var line = json.LineNumber + 1;
            var column = json.BytePositionInLine + 1;
            var path = json.Path ?? "$";
            return (null, KnowledgeBaseProblems.InvalidJson(
                $"The request body could not be read at {path} (line {line}, column {column}): {Reason(json)} " +
                "Send a JSON array of documents, or JSON Lines with Content-Type application/x-ndjson.",
                path, line, column));
        }
    }

    private static async Task<(IReadOnlyList<DocumentBody>?, ProblemHttpResult?)> ReadLinesAsync(
        Stream body, JsonSerializerOptions options, CancellationToken cancellationToken)
    {
        var documents = new List<DocumentBody>();
        using var reader = new StreamReader(body, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, leaveOpen: true);
        var number = 0;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            try
            {
                documents.Add(JsonSerializer.Deserialize<DocumentBody>(line, options)
                              ?? throw new JsonException("the line is null; each line must be one document object."));
            }
            catch (JsonException json)
            {
                if (ValuesOn(line) > 1)
                {
                    return (null, KnowledgeBaseProblems.JsonLinesNewlinesLost(number));
                }

                var column = json.BytePositionInLine + 1;
                return (null, KnowledgeBaseProblems.InvalidJson(
                    $"Line {number} of the JSON Lines body is not a valid document" +
                    (column is null ? "" : $" (column {column})") + $": {Reason(json)}",
                    $"line[{number}]", number, column));
            }
        }

        return (documents, null);
    }

    /// <summary>How many top-level JSON values a line holds, counted up to the first that does not parse: more than one
    /// means the body's newlines were lost (<c>curl -d</c> joins the lines of a file).</summary>
    internal static int ValuesOn(string line)
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(line), new JsonReaderOptions { AllowMultipleValues = true });
        var values = 0;
        try
        {
            while (reader.Read())
            {
                values++;
                if (values > 1 || !reader.TrySkip())
                {
                    break;
                }
            }
        }
        catch (JsonException)
        {
            // What comes after the last complete value does not parse; the values before it are counted.
        }

        return values;
    }

    /// <summary>The reason of a JSON error without its position suffix, and in the JSON's terms, not .NET's.</summary>
    private static string Reason(JsonException json)
    {
        var reason = json.Message;
        var cut = reason.IndexOf(" Path:", StringComparison.Ordinal);
        if (cut > 0)
        {
            reason = reason[..cut];
        }

        return reason.Contains("could not be converted to", StringComparison.Ordinal)
            ? "the value has the wrong JSON type for this member."
            : reason;
    }
}
