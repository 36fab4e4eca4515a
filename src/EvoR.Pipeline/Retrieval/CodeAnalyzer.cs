using System.Text;
using Lucene.Net.Analysis;
using Lucene.Net.Analysis.Core;
using Lucene.Net.Analysis.En;
using Lucene.Net.Analysis.Miscellaneous;
using Lucene.Net.Analysis.TokenAttributes;
using Lucene.Net.Analysis.Util;
using Lucene.Net.Util;

namespace EvoR.Pipeline.Retrieval;

/// <summary>
/// Code-aware analysis for BM25: tokens are runs of letters, digits, <c>_</c> and <c>.</c> (so <c>np.linalg.solve</c>
/// and <c>get_user_name</c> stay whole); each token is also split on dots, underscores, camelCase and letter/digit
/// boundaries, the parts emitted at the same position; then lower-cased, English stop words removed, and stemmed
/// (Porter), so <c>parseConfigFile</c> matches "parse config files" as well as itself.
/// </summary>
public sealed class CodeAnalyzer : Analyzer
{
    internal static readonly LuceneVersion Version = LuceneVersion.LUCENE_48;

    protected override TokenStreamComponents CreateComponents(string fieldName, TextReader reader)
    {
        var source = new CodeTokenizer(reader);
        TokenStream stream = new IdentifierSplitFilter(source);
        stream = new LowerCaseFilter(Version, stream);
        stream = new StopFilter(Version, stream, StopAnalyzer.ENGLISH_STOP_WORDS_SET);
        stream = new PorterStemFilter(stream);
        stream = new RemoveDuplicatesTokenFilter(stream);
        return new TokenStreamComponents(source, stream);
    }

    /// <summary>The analysed terms of <paramref name="text"/>, in order, duplicates kept.</summary>
    public IReadOnlyList<string> Terms(string field, string text)
    {
        var terms = new List<string>();
        using var stream = GetTokenStream(field, text);
        var term = stream.AddAttribute<ICharTermAttribute>();
        stream.Reset();
        while (stream.IncrementToken())
        {
            terms.Add(term.ToString());
        }

        stream.End();
        return terms;
    }

    private sealed class CodeTokenizer(TextReader reader) : CharTokenizer(Version, reader)
    {
        protected override bool IsTokenChar(int c) => c is '_' or '.' || (Rune.TryCreate(c, out var rune) && Rune.IsLetterOrDigit(rune));
    }
}

/// <summary>
/// Emits each identifier (trimmed of leading and trailing dots and underscores) and, at the same position, its parts
/// split on <c>.</c>, <c>_</c>, lower-to-upper case changes (<c>parseJSON</c> → parse, JSON), acronym ends
/// (<c>HTTPServer</c> → HTTP, Server) and letter/digit boundaries; the dotted and underscored prefixes of a qualified
/// name are not emitted, only its parts.
/// </summary>
internal sealed class IdentifierSplitFilter : TokenFilter
{
    private readonly ICharTermAttribute _term;
    private readonly IPositionIncrementAttribute _position;
    private readonly Queue<string> _pending = new();

    public IdentifierSplitFilter(TokenStream input)
        : base(input)
    {
        _term = AddAttribute<ICharTermAttribute>();
        _position = AddAttribute<IPositionIncrementAttribute>();
    }

    public override bool IncrementToken()
    {
        if (_pending.Count > 0)
        {
            _term.SetEmpty().Append(_pending.Dequeue());
            _position.PositionIncrement = 0;
            return true;
        }

        while (m_input.IncrementToken())
        {
            var token = _term.ToString().Trim('.', '_');
            if (token.Length == 0)
            {
                continue;
            }

            _term.SetEmpty().Append(token);
            foreach (var part in Split(token))
            {
                if (!part.Equals(token, StringComparison.Ordinal))
                {
                    _pending.Enqueue(part);
                }
            }

            return true;
        }

        return false;
    }

    public override void Reset()
    {
        base.Reset();
        _pending.Clear();
    }

    /// <summary>The parts of an identifier, in order, without empty ones.</summary>
    internal static List<string> Split(string token)
    {
        var parts = new List<string>();
        var start = 0;
        for (var i = 0; i <= token.Length; i++)
        {
            if (i == token.Length || token[i] is '.' or '_' or '-')
            {
                Add(parts, token, start, i);
                start = i + 1;
                continue;
            }

            if (i <= start)
            {
                continue;
            }

            var prev = token[i - 1];
            var c = token[i];
            var boundary =
                (char.IsLower(prev) && char.IsUpper(c)) ||
                (char.IsUpper(prev) && char.IsUpper(c) && i + 1 < token.Length && char.IsLower(token[i + 1])) ||
                (char.IsLetter(prev) && char.IsDigit(c)) ||
                (char.IsDigit(prev) && char.IsLetter(c));
            if (boundary)
            {
                Add(parts, token, start, i);
                start = i;
            }
        }

        return parts;
    }

    private static void Add(List<string> parts, string token, int start, int end)
    {
        if (end > start)
        {
            parts.Add(token[start..end]);
        }
    }
}
