namespace EvoR.Sandbox;

/// <summary>
/// A file placed in the program's working folder (<c>/work</c>, its current directory, which it may also write in)
/// before it starts: a relative path of plain segments (<c>input/input1.pkl</c>; no <c>..</c>, no leading <c>/</c>),
/// with text or base64 content. Only regular files and their folders are created, never links.
/// </summary>
public sealed record ExecutionFile
{
    /// <summary>The content's encoding: UTF-8 text (the default).</summary>
    public const string Utf8 = "utf8";

    /// <summary>The content's encoding: base64 of the bytes (e.g. a pickle).</summary>
    public const string Base64 = "base64";

    /// <summary>Path relative to the working folder, <c>/</c>-separated.</summary>
    public required string Name { get; init; }

    public string Content { get; init; } = "";

    /// <summary><c>utf8</c> (default) or <c>base64</c>.</summary>
    public string? Encoding { get; init; }
}
