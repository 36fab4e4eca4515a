using System.Security.Cryptography;
using System.Text;

namespace EvoR.Pipeline.Knowledge;

/// <summary>SHA-256 content hashes, lower-case hex.</summary>
public static class ContentHash
{
    public static string Of(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    /// <summary>Hash of <paramref name="text"/> as embedded by <paramref name="modelId"/>: the embedding cache key.</summary>
    public static string OfEmbedding(string modelId, string text) => Of(modelId + "\n" + text);
}
