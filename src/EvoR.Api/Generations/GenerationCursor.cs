using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace EvoR.Api.Generations;

/// <summary>The opaque <c>cursor</c> of <c>GET /v1/generations</c>: the creation time and id of the last job of a
/// page (base64url), after which the next page starts. Stable under new jobs: they come before it, never in it.</summary>
internal static class GenerationCursor
{
    private const string Version = "g1";

    public static string Encode(DateTimeOffset createdAt, string id) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(
            $"{Version}|{createdAt.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture)}|{id}"));

    public static (DateTimeOffset CreatedAt, string Id)? Decode(string cursor)
    {
        if (cursor.Length > 256 || !Base64Url.IsValid(cursor))
        {
            return null;
        }

        string text;
        try
        {
            text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
        }
        catch (FormatException)
        {
            return null;
        }

        var parts = text.Split('|');
        return parts.Length == 3 && parts[0] == Version && parts[2].Length > 0
            && DateTimeOffset.TryParseExact(parts[1], "O", CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var createdAt)
            ? (createdAt, parts[2])
            : null;
    }
}
