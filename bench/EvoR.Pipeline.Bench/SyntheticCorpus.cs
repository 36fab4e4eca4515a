using System.Text;
using EvoR.Pipeline.Embeddings;
using EvoR.Pipeline.Knowledge;
using EvoR.Pipeline.Retrieval;

namespace EvoR.Pipeline.Bench;

/// <summary>
/// Deterministic synthetic documentation: each chunk describes one made-up API function (a camelCase or snake_case
/// identifier) in 35–60 words drawn from a technical vocabulary; queries look like error messages or questions about one
/// chunk's function.
/// </summary>
internal sealed class SyntheticCorpus(int seed)
{
    private static readonly string[] Words =
    [
        "bucket", "key", "value", "session", "connection", "timeout", "retry", "server", "client", "request", "response",
        "stream", "buffer", "cache", "index", "query", "token", "parser", "socket", "thread", "lock", "lease", "queue",
        "message", "error", "exception", "handler", "config", "option", "default", "limit", "size", "batch", "commit",
        "rollback", "transaction", "replica", "leader", "follower", "snapshot", "restore", "compact", "expire", "counter",
        "metric", "logger", "level", "debug", "trace", "encode", "decode", "json", "bytes", "string", "integer", "float",
        "array", "list", "map", "set", "iterator", "prefix", "suffix", "range", "order", "sort", "filter", "merge", "split",
        "join", "path", "file", "directory", "permission", "user", "group", "role", "auth", "certificate", "verify",
        "returns", "raises", "accepts", "creates", "removes", "updates", "reads", "writes", "opens", "closes", "waits",
        "when", "after", "before", "unless", "every", "each", "optional", "required", "async", "await", "callback",
    ];

    private static readonly string[] Verbs = ["get", "set", "open", "close", "read", "write", "parse", "load", "save", "find", "make", "drop", "scan", "watch", "merge"];

    private readonly Random _random = new(seed);

    public static string Identifier(int i)
    {
        var verb = Verbs[i % Verbs.Length];
        var a = Words[(i / Verbs.Length) % Words.Length];
        var b = Words[(i / (Verbs.Length * Words.Length)) % Words.Length];
        var n = i / (Verbs.Length * Words.Length * Words.Length);
        var core = i % 2 == 0
            ? $"{verb}{Capital(a)}{Capital(b)}"
            : $"{verb}_{a}_{b}";
        return n == 0 ? core : core + n;
    }

    public List<KnowledgeDocument> Documents(int count)
    {
        var docs = new List<KnowledgeDocument>(count);
        for (var i = 0; i < count; i++)
        {
            var ident = Identifier(i);
            var text = new StringBuilder($"# Client.{ident}\n\n`Client.{ident}(");
            text.Append(Words[_random.Next(Words.Length)]).Append(", ").Append(Words[_random.Next(Words.Length)]).Append(")` ");
            var length = 35 + _random.Next(26);
            for (var w = 0; w < length; w++)
            {
                text.Append(Words[_random.Next(Words.Length)]).Append(w % 12 == 11 ? ". " : " ");
            }

            docs.Add(new KnowledgeDocument { Id = $"doc-{i}", Text = text.ToString().TrimEnd(), Language = "python", Library = "synth" });
        }

        return docs;
    }

    /// <summary>Queries about random documents among the first <paramref name="count"/>: error messages or questions.</summary>
    public List<string> Queries(int count, int queries)
    {
        var list = new List<string>(queries);
        for (var q = 0; q < queries; q++)
        {
            var ident = Identifier(_random.Next(count));
            list.Add(q % 2 == 0
                ? $"AttributeError: 'Client' object has no attribute '{ident}'"
                : $"how do I {Words[_random.Next(Words.Length)]} the {Words[_random.Next(Words.Length)]} with {ident}");
        }

        return list;
    }

    /// <summary>Sentences of about 28 WordPiece tokens ([CLS] and [SEP] included).</summary>
    public List<string> Sentences(int count)
    {
        var list = new List<string>(count);
        for (var s = 0; s < count; s++)
        {
            var length = 20 + _random.Next(9);
            list.Add(string.Join(' ', Enumerable.Range(0, length).Select(_ => Words[_random.Next(Words.Length)])) + ".");
        }

        return list;
    }

    private static string Capital(string word) => char.ToUpperInvariant(word[0]) + word[1..];
}

/// <summary>
/// Stand-in embedder for sizes too large to embed on a small CPU: a unit vector drawn from a generator seeded by the
/// text's hash (deterministic, uniformly spread on the sphere). Only the dense index's speed is meaningful with it.
/// </summary>
internal sealed class RandomVectorEmbedder(int dimensions) : ITextEmbedder
{
    public string ModelId => "random-unit-vectors";

    public int Dimensions => dimensions;

    public string ExecutionProvider => "none";

    public float[][] Embed(IReadOnlyList<string> texts, CancellationToken cancellationToken = default) =>
        [.. texts.Select(t => Vector(t, dimensions))];

    public static float[] Vector(string text, int dimensions)
    {
        var seed = 17;
        foreach (var c in text)
        {
            seed = unchecked((seed * 31) + c);
        }

        var random = new Random(seed);
        var v = new float[dimensions];
        for (var i = 0; i < v.Length; i += 2)
        {
            // Box–Muller: Gaussian components give directions uniform on the sphere.
            var u1 = 1.0 - random.NextDouble();
            var u2 = random.NextDouble();
            var r = Math.Sqrt(-2 * Math.Log(u1));
            v[i] = (float)(r * Math.Cos(2 * Math.PI * u2));
            if (i + 1 < v.Length)
            {
                v[i + 1] = (float)(r * Math.Sin(2 * Math.PI * u2));
            }
        }

        VectorMath.Normalize(v);
        return v;
    }
}
