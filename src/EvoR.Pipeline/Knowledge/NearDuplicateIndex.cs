namespace EvoR.Pipeline.Knowledge;

/// <summary>MinHash signature (null for texts too short to shingle) and hash of the normalised text of a document.</summary>
internal sealed record NearDuplicateSignature(uint[]? MinHashes, string ExactKey);

/// <summary>
/// Near-duplicate detection: two documents are near-duplicates when their normalised texts (lower-cased words) are
/// equal, or when the Jaccard similarity of their word-bigram sets, estimated by a 64-permutation MinHash, reaches the
/// threshold. Candidates are found by locality-sensitive hashing (16 bands of 4 rows: a pair at Jaccard 0.8 shares a
/// band with probability 0.9998, at 0.3 with 0.12) and then checked on the full signature. Texts with fewer than
/// <see cref="MinShingles"/> bigrams are matched on their normalised text only. Not thread-safe.
/// </summary>
internal sealed class NearDuplicateIndex(double threshold)
{
    public const int MinShingles = 5;
    public const int Permutations = 64;
    private const int Bands = 16;
    private const int Rows = Permutations / Bands;

    private static readonly ulong[] Seeds = CreateSeeds();

    private readonly Dictionary<ulong, string> _bandOwner = [];
    private readonly Dictionary<ulong, List<string>> _bandOverflow = [];
    private readonly Dictionary<string, uint[]> _signatures = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _exact = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _exactById = new(StringComparer.Ordinal);

    public double Threshold { get; } = threshold;

    public static NearDuplicateSignature Sign(string text)
    {
        var words = Words(text);
        return new NearDuplicateSignature(MinHash(words), ContentHash.Of(string.Join(' ', words)));
    }

    /// <summary>Estimated Jaccard similarity of two signatures: the share of equal minima.</summary>
    public static double Similarity(uint[] a, uint[] b)
    {
        var equal = 0;
        for (var i = 0; i < a.Length; i++)
        {
            if (a[i] == b[i])
            {
                equal++;
            }
        }

        return equal / (double)a.Length;
    }

    /// <summary>The id of an indexed document other than <paramref name="id"/> that the signed text nearly duplicates (the most similar; ties by id).</summary>
    public string? FindDuplicate(string id, NearDuplicateSignature signature)
    {
        if (_exact.TryGetValue(signature.ExactKey, out var exact) && exact != id)
        {
            return exact;
        }

        if (signature.MinHashes is not { } mins)
        {
            return null;
        }

        string? best = null;
        var bestSimilarity = 0.0;
        var checkedIds = new HashSet<string>(StringComparer.Ordinal);
        for (var band = 0; band < Bands; band++)
        {
            var key = BandKey(mins, band);
            if (!_bandOwner.TryGetValue(key, out var owner))
            {
                continue;
            }

            foreach (var candidate in _bandOverflow.TryGetValue(key, out var more) ? more.Prepend(owner) : [owner])
            {
                if (candidate == id || !checkedIds.Add(candidate))
                {
                    continue;
                }

                var similarity = Similarity(mins, _signatures[candidate]);
                if (similarity >= Threshold && (similarity > bestSimilarity || (similarity == bestSimilarity && string.CompareOrdinal(candidate, best) < 0)))
                {
                    best = candidate;
                    bestSimilarity = similarity;
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
        if (signature.MinHashes is not { } mins)
        {
            return;
        }

        _signatures[id] = mins;
        for (var band = 0; band < Bands; band++)
        {
            var key = BandKey(mins, band);
            if (!_bandOwner.TryAdd(key, id))
            {
                if (!_bandOverflow.TryGetValue(key, out var list))
                {
                    _bandOverflow[key] = list = [];
                }

                list.Add(id);
            }
        }
    }

    public void Remove(string id)
    {
        if (_exactById.Remove(id, out var exactKey) && _exact.TryGetValue(exactKey, out var owner) && owner == id)
        {
            _exact.Remove(exactKey);
        }

        if (!_signatures.Remove(id, out var mins))
        {
            return;
        }

        for (var band = 0; band < Bands; band++)
        {
            var key = BandKey(mins, band);
            _bandOverflow.TryGetValue(key, out var list);
            if (_bandOwner.TryGetValue(key, out var bandOwner) && bandOwner == id)
            {
                if (list is { Count: > 0 })
                {
                    _bandOwner[key] = list[^1];
                    list.RemoveAt(list.Count - 1);
                }
                else
                {
                    _bandOwner.Remove(key);
                }
            }
            else
            {
                list?.Remove(id);
            }

            if (list is { Count: 0 })
            {
                _bandOverflow.Remove(key);
            }
        }
    }

    /// <summary>Signature as bytes, for storage.</summary>
    public static byte[] ToBytes(uint[] mins)
    {
        var bytes = new byte[mins.Length * sizeof(uint)];
        Buffer.BlockCopy(mins, 0, bytes, 0, bytes.Length);
        return bytes;
    }

    public static uint[] FromBytes(ReadOnlySpan<byte> bytes) => [.. System.Runtime.InteropServices.MemoryMarshal.Cast<byte, uint>(bytes)];

    private static uint[]? MinHash(List<string> words)
    {
        if (words.Count < MinShingles + 1)
        {
            return null;
        }

        var mins = new uint[Permutations];
        Array.Fill(mins, uint.MaxValue);
        for (var i = 0; i + 1 < words.Count; i++)
        {
            var shingle = Fnv1a(words[i + 1], Fnv1a(words[i], 14695981039346656037UL));
            for (var p = 0; p < Permutations; p++)
            {
                var h = (uint)(Mix(shingle ^ Seeds[p]) >> 32);
                if (h < mins[p])
                {
                    mins[p] = h;
                }
            }
        }

        return mins;
    }

    private static ulong BandKey(uint[] mins, int band)
    {
        var h = (ulong)band * 0x9E3779B97F4A7C15UL;
        for (var r = 0; r < Rows; r++)
        {
            h = Mix(h ^ mins[(band * Rows) + r]);
        }

        return h;
    }

    private static ulong[] CreateSeeds()
    {
        var seeds = new ulong[Permutations];
        var state = 0x5EED5EED5EED5EEDUL;
        for (var i = 0; i < seeds.Length; i++)
        {
            state += 0x9E3779B97F4A7C15UL;
            seeds[i] = Mix(state);
        }

        return seeds;
    }

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

    /// <summary>SplitMix64 finaliser.</summary>
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
