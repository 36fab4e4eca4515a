using EvoR.Pipeline.Knowledge;

namespace EvoR.Api.KnowledgeBases;

/// <summary>Body of <c>GET /v1/knowledge-bases/{name}/overlays</c>.</summary>
public sealed record OverlayListResponse
{
    /// <summary>The caller's overlays on the base (every overlay without API keys), by name.</summary>
    public required IReadOnlyList<KnowledgeBaseResponse> Overlays { get; init; }
}

/// <summary>Body of <c>POST /v1/knowledge-bases/{name}/overlays/{overlay}:promote</c> (optional).</summary>
public sealed record PromoteOverlayBody
{
    /// <summary>Only these documents; all of the overlay's when omitted.</summary>
    public IReadOnlyList<string>? DocumentIds { get; init; }
}

/// <summary>Body of <c>POST /v1/knowledge-bases/{name}/files</c>: what the base did with the documents, and the
/// files that did not become documents.</summary>
public sealed record UploadFilesResponse
{
    /// <summary>Files received (archives unpacked).</summary>
    public required int Files { get; init; }

    public required AddDocumentsResponse Documents { get; init; }

    public required IReadOnlyList<SkippedFileResponse> SkippedFiles { get; init; }

    internal static UploadFilesResponse From(int files, IngestResult result, IReadOnlyList<SkippedFile> skipped) => new()
    {
        Files = files,
        Documents = AddDocumentsResponse.From(result),
        SkippedFiles = [.. skipped.Select(s => new SkippedFileResponse { Path = s.Path, Reason = s.Reason })],
    };
}

public sealed record SkippedFileResponse
{
    public required string Path { get; init; }

    public required string Reason { get; init; }
}
