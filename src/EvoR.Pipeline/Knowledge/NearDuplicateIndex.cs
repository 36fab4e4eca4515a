using System.Numerics;

namespace EvoR.Pipeline.Knowledge;

/// <summary>SimHash fingerprint (null for short texts) and hash of the normalised text of a document.</summary>
internal readonly record struct NearDuplicateSignature(ulong? Fingerprint, string ExactKey);

/// <summary>
/// Near-duplicate detection with 64-bit SimHash over word 3-shingles. Fingerprints are indexed by their four 16-bit
/// blocks: two fingerprints within Hamming distance 3 share at least one block exactly (pigeonhole), so a lookup
/// checks only the documents that share a block. Documents with fewer than <see cref="MinShingles"/> shingles are
/// too short for SimHash and are matched on their normalised text only.
/// </summary>
internal sealed class NearDuplicateIndex(int maxDistance)
{
    public const int MinShingles = 8;
    public const int MaxSupportedDistance = 3;

    private readonly Dictionary<ushort, HashSet<string>>[] _blocks = [new(), new(), new(), new()];
    private readonly Dictionary<string, ulong> _fingerprints = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _exact = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _exactById = new(StringComparer.Ordinal);

    public int MaxDistance { get; } = Math.Clamp(maxDistance, 0, MaxSupportedDistance);

    /// <summary>The signature of <paramref name="text"/>: its SimHash (null when too short) and normalised-text hash.</summary>
    public static NearDuplicateSignature Sign(string text)
    {
        var words = Words(text);
        return new NearDuplicateSignature(Fingerprint(words), ContentHash.Of(string.Join(' ', words)));
    }

    private static ulong? Fingerprint(List<string> words)
    {
        if (words.Count < MinShingles + 2)
        {
            return null;
        }

        Span<int> weights = stackalloc int[64];
        for (var i = 0; i + 2 < words.Count; i++)
        {
            var h = Mix(Fnv1a(words[i], Fnv1a(words[i + 1], Fnv1a(words[i + 2], 14695981039346656037UL))));
            for (var bit = 0; bit < 64; bit++)
            {
                weights[bit] += ((h >> bit) & 1) == 1 ? 1 : -1;
            }
        }

        ulong fingerprint = 0;
        for (var bit = 0; bit < 64; bit++)
        {
            if (weights[bit] > 0)
            {
                fingerprint |= 1UL << bit;
            }
        }

        return fingerprint;
    }

    /// <summary>The id of an indexed document other than <paramref name="id"/> whose text the signed text nearly duplicates.</summary>
    public string? FindDuplicate(string id, NearDuplicateSignature signature)
    {
        if (_exact.TryGetValue(signature.ExactKey, out var exact) && exact != id)
        {
            return exact;
        }

        if (signature.Fingerprint is not { } fp)
        {
            return null;
        }

        string? best = null;
        var bestDistance = int.MaxValue;
        for (var b = 0; b < 4; b++)
        {
            if (!_blocks[b].TryGetValue(Block(fp, b), out var candidates))
            {
                continue;
            }

            foreach (var candidate in candidates)
            {
                if (candidate == id)
                {
                    continue;
                }

                var distance = BitOperations.PopCount(_fingerprints[candidate] ^ fp);
                if (distance <= MaxDistance && (distance < bestDistance || (distance == bestDistance && string.CompareOrdinal(candidate, best) < 0)))
                {
                    best = candidate;
                    bestDistance = distance;
                }
            }
        }

        return best;
    }

    public void Add(string id, NearDuplicateSignature signature)
    {
        Remove(id);
        _exact.TryAdd(signature.ExactKey, id);
        _exactById[id] = signature.ExactKey;
        if (signature.Fingerprint is { } fp)
        {
            _fingerprints[id] = fp;
            for (var b = 0; b < 4; b++)
            {
                var key = Block(fp, b);
                if (!_blocks[b].TryGetValue(key, out var set))
                {
                    _blocks[b][key] = set = new HashSet<string>(StringComparer.Ordinal);
                }

                set.Add(id);
            }
        }
    }

    public void Remove(string id)
    {
        if (_exactById.Remove(id, out var exactKey) && _exact.TryGetValue(exactKey, out var owner) && owner == id)
        {
            _exact.Remove(exactKey);
        }

        if (_fingerprints.Remove(id, out var fp))
        {
            for (var b = 0; b < 4; b++)
            {
                var key = Block(fp, b);
                if (_blocks[b].TryGetValue(key, out var set))
                {
                    set.Remove(id);
                    if (set.Count == 0)
                    {
                        _blocks[b].Remove(key);
                    }
                }
            }
        }
    }

    private static ushort Block(ulong fingerprint, int block) => (ushort)(fingerprint >> (16 * block));

    private static List<string> Words(string text)
    {
        var words = new List<string>();
        var start = -1;
        for (var i = 0; i <= text.Length; i++)
        {
            var isWord = i < text.Length && char.IsLetterOrDigit(text[i]);
            if (isWord && start < 0)
            {
                start = i;
            }
            else if (!isWord && start >= 0)
            {
                words.Add(text[start..i].ToLowerInvariant());
                start = -1;
            }
        }

        return words;
    }

    /// <summary>SplitMix64 finaliser: spreads FNV's weak low bits over the whole word.</summary>
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static ulong Fnv1a(string word, ulong hash)
    {
        foreach (var c in word)
        {
            hash ^= c;
            hash *= 1099511628211UL;
        }

        hash ^= ' ';
        return hash * 1099511628211UL;
    }
}
