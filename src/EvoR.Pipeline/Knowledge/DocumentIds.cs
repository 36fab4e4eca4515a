namespace EvoR.Pipeline.Knowledge;

/// <summary>
/// What a document id may hold, so that every stored id can be named in a URL and deleted again: 1–512 characters,
/// no control characters (NUL included) and no backslash; '/' separates segments (ids made from file paths), none of
/// which is empty, '.' or '..' (clients and proxies rewrite those).
/// </summary>
public static class DocumentIds
{
    public const int MaxLength = 512;

    /// <summary>Why <paramref name="id"/> is not a valid document id, or null when it is (or is null: derived later).</summary>
    public static string? Problem(string? id)
    {
        if (id is null)
        {
            return null;
        }

        var trimmed = id.Trim();
        if (trimmed.Length == 0)
        {
            return null;
        }

        if (trimmed.Length > MaxLength)
        {
            return $"Document id longer than {MaxLength} characters.";
        }

        if (trimmed.Any(char.IsControl))
        {
            return "Document id holds a control character (NUL, newline, …); ids must be printable.";
        }

        if (trimmed.Contains('\\', StringComparison.Ordinal))
        {
            return "Document id holds a backslash; separate path segments with '/'.";
        }

        if (trimmed.Split('/').Any(s => s.Length == 0 || s is "." or ".."))
        {
            return "Document id has an empty, '.' or '..' segment between '/'; ids must not start or end with '/', nor hold '//'.";
        }

        return null;
    }
}
