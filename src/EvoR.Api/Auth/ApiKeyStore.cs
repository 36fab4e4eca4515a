using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace EvoR.Api.Auth;

/// <summary>The configured key hashes, and the constant-time check of a presented key against them.</summary>
internal sealed class ApiKeyStore(IOptions<AuthOptions> options)
{
    private readonly (string Name, byte[] Hash)[] _keys =
        [.. options.Value.ApiKeys.Select(k => (k.Name, Convert.FromHexString(k.Sha256)))];

    public bool HasKeys => _keys.Length > 0;

    public int Count => _keys.Length;

    /// <summary>The name of the key whose hash matches; null when none does. Compares against every key, each in
    /// constant time, so the time taken says nothing about which key (or how much of a hash) matched.</summary>
    public string? Match(string presentedKey)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(presentedKey), hash);
        string? match = null;
        foreach (var (name, expected) in _keys)
        {
            if (CryptographicOperations.FixedTimeEquals(hash, expected))
            {
                match ??= name;
            }
        }

        return match;
    }
}
