using System.Security.Cryptography;
using System.Text;

namespace EvoR.Api.Auth;

/// <summary>How keys are hashed: SHA-256 of the key's UTF-8 bytes, as lowercase hex in configuration.</summary>
public static class ApiKeyHash
{
    public static string ComputeHex(string key) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    internal static bool IsValidHex(string? value) =>
        value is { Length: 64 } && value.All(char.IsAsciiHexDigit);
}
