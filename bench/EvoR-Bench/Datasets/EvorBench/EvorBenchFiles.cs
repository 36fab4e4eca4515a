using System.Text;

namespace EvoR.Bench.Datasets.EvorBench;

/// <summary>
/// File reads for the loader that never throw: a file that cannot be read (or is not UTF-8 text) becomes an error in
/// the list and a null, so that the loader goes on and reports every problem of the folder at once.
/// </summary>
internal static class EvorBenchFiles
{
    /// <summary>The file as UTF-8 text without a byte-order mark; null (and an error) when unreadable or not UTF-8.</summary>
    public static string? ReadText(string path, List<EvorBenchFormatError> errors)
    {
        var bytes = ReadBytes(path, errors);
        if (bytes is null)
        {
            return null;
        }

        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes).TrimStart('\uFEFF');
        }
        catch (DecoderFallbackException)
        {
            errors.Add(new(path, "is not UTF-8 text."));
            return null;
        }
    }

    /// <summary>The file's bytes; null (and an error) when it cannot be read.</summary>
    public static byte[]? ReadBytes(string path, List<EvorBenchFormatError> errors)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            errors.Add(new(path, $"cannot be read: {ex.Message}"));
            return null;
        }
    }

    /// <summary>Whether <paramref name="folder"/> exists and holds a file matching <paramref name="pattern"/>.</summary>
    public static bool HasFiles(string folder, string pattern) => Directory.Exists(folder) && Directory.EnumerateFiles(folder, pattern).Any();
}
