using EvoR.Pipeline.Knowledge;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace EvoR.Api.KnowledgeBases;

/// <summary>
/// <c>POST /v1/knowledge-bases/{name}/files</c>: a folder of documentation in one call. The body is multipart/form-data
/// (each file a part whose file name is its relative path; a part that is a .zip, .tar.gz/.tgz or .tar is unpacked)
/// or one archive (Content-Type application/zip, application/gzip, application/x-tar). Markdown, HTML (as text),
/// reStructuredText and text files each become a document whose id is its relative path (after <c>prefix</c>); other
/// files are listed as skipped. <c>source</c> (default documentation), <c>language</c>, <c>library</c> and
/// <c>prefix</c> come as form fields or query parameters.
/// </summary>
internal static class KnowledgeFilesApi
{
    private const string LogCategory = "EvoR.Api.KnowledgeBases";

    public static RouteGroupBuilder MapKnowledgeFilesApi(this RouteGroupBuilder group)
    {
        group.MapPost("/{name}/files", UploadAsync)
            .WithName("UploadKnowledgeFiles")
            .WithSummary("Add documents from files or an archive")
            .WithDescription(
                "multipart/form-data files (the part's file name is the relative path, e.g. guide/install.md) and/or " +
                "archives (.zip, .tar.gz), or an archive as the body (application/zip, application/gzip). Markdown, " +
                "HTML (turned into text), reStructuredText and text files become documents with the relative path as " +
                "id; other files are listed in skippedFiles. Fields or query parameters: source, language, library, prefix.")
            .Accepts<IFormFileCollection>("multipart/form-data", "application/zip", "application/gzip", "application/x-tar")
            .DisableAntiforgery()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        return group;
    }

    internal static async Task<Results<Ok<UploadFilesResponse>, ProblemHttpResult>> UploadAsync(
        string name,
        HttpContext httpContext,
        [FromServices] IKnowledgeBaseStore store,
        [FromServices] IOptions<KnowledgeOptions> options,
        [FromServices] ILoggerFactory loggerFactory,
        CancellationToken cancellationToken)
    {
        var logger = loggerFactory.CreateLogger(LogCategory);
        var (_, refused) = await KnowledgeGuard.AuthorizeAsync(store, name, httpContext, KnowledgeRight.Write, cancellationToken);
        if (refused is not null)
        {
            return KnowledgeBasesApi.Refused(logger, refused);
        }

        var o = options.Value;
        var request = httpContext.Request;
        var mediaType = MediaTypeHeaderValue.TryParse(request.ContentType, out var parsed) ? parsed.MediaType.Value : null;
        var fields = request.Query.ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var files = new List<UploadedFile>();
        try
        {
            if (request.HasFormContentType && mediaType?.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase) == true)
            {
                var form = await request.ReadFormAsync(cancellationToken);
                foreach (var field in form)
                {
                    fields[field.Key] = field.Value.ToString();
                }

                long total = 0;
                foreach (var part in form.Files)
                {
                    total += part.Length;
                    if (total > o.MaxUploadBytes)
                    {
                        throw new KnowledgeException(KnowledgeErrorKind.DocumentTooLarge,
                            $"The files add up to more than {o.MaxUploadBytes} bytes (Knowledge:MaxUploadBytes).", "files");
                    }

                    var path = string.IsNullOrEmpty(part.FileName) ? part.Name : part.FileName;
                    await using var stream = part.OpenReadStream();
                    if (DocumentArchive.KindOf(path) is { } kind)
                    {
                        files.AddRange(await DocumentArchive.ReadAsync(stream, kind, o.MaxDocumentsPerRequest, o.MaxUploadBytes, cancellationToken));
                        continue;
                    }

                    var buffer = new MemoryStream();
                    await stream.CopyToAsync(buffer, cancellationToken);
                    files.Add(new UploadedFile(path, buffer.ToArray()));
                }
            }
            else if (DocumentArchive.KindOf(mediaType) is { } kind)
            {
                files.AddRange(await DocumentArchive.ReadAsync(request.Body, kind, o.MaxDocumentsPerRequest, o.MaxUploadBytes, cancellationToken));
            }
            else
            {
                return KnowledgeBasesApi.Refused(logger, KnowledgeBaseProblems.UnsupportedUpload(request.ContentType));
            }

            if (files.Count == 0)
            {
                throw new KnowledgeException(KnowledgeErrorKind.InvalidRequest, "The upload holds no files.", "files");
            }

            var source = fields.TryGetValue("source", out var s) && !string.IsNullOrWhiteSpace(s) ? SourceWireNames.TryParse(s) : SourceKind.Documentation;
            if (source is null)
            {
                return KnowledgeBasesApi.Refused(logger, KnowledgeBaseProblems.InvalidSourceKind(s, "source"));
            }

            var defaults = new IngestionDefaults { Source = source.Value, Language = Field(fields, "language"), Library = Field(fields, "library") };
            var (documents, skipped) = DocumentFiles.Read(files, defaults, Field(fields, "prefix"));
            for (var i = 0; i < documents.Count; i++)
            {
                if (System.Text.Encoding.UTF8.GetByteCount(documents[i].Text) > o.MaxDocumentBytes)
                {
                    throw new KnowledgeException(KnowledgeErrorKind.DocumentTooLarge,
                        $"File '{documents[i].Provenance?.File}' is more than {o.MaxDocumentBytes} bytes of text (Knowledge:MaxDocumentBytes).",
                        $"files[{documents[i].Provenance?.File}]");
                }
            }

            var result = documents.Count == 0
                ? new IngestResult { Added = 0, Updated = 0, Skipped = 0, Chunks = 0, EmbeddingCacheHits = 0, Embedded = 0 }
                : await store.AddDocumentsAsync(name, documents, cancellationToken);
            KnowledgeApiLog.FilesUploaded(logger, name, files.Count, documents.Count, skipped.Count);
            return TypedResults.Ok(UploadFilesResponse.From(files.Count, result, skipped));
        }
        catch (KnowledgeException error)
        {
            return KnowledgeBasesApi.Refused(logger, error);
        }
        catch (InvalidDataException error)
        {
            // A malformed multipart body.
            return KnowledgeBasesApi.Refused(logger, new KnowledgeException(KnowledgeErrorKind.InvalidRequest, $"The multipart body could not be read: {error.Message}", "body", error));
        }
    }

    private static string? Field(Dictionary<string, string> fields, string key) =>
        fields.TryGetValue(key, out var value) && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;
}
