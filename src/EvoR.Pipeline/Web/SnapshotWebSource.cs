using System.Text.Json;
using EvoR.Pipeline.Knowledge;
using EvoR.Pipeline.Retrieval;
using Lucene.Net.Documents;
using Lucene.Net.Index;
using Lucene.Net.Search;
using Lucene.Net.Search.Similarities;
using Lucene.Net.Store;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EvoR.Pipeline.Web;

/// <summary>
/// Offline web search over a snapshot: a JSON Lines file of pages (<c>{"url","title","text"}</c>, HTML in
/// <c>text</c> is cleaned) indexed in memory with the code-aware BM25 analyser on first use. Deterministic.
/// </summary>
public sealed class SnapshotWebSource(IOptions<WebSearchOptions> options, ILogger<SnapshotWebSource> logger) : IWebSearchSource, IDisposable
{
    private static readonly JsonSerializerOptions LineOptions = new(JsonSerializerDefaults.Web);
    private readonly Lazy<Snapshot> _snapshot = new(() => Snapshot.Load(options.Value, logger));

    public string Name => "snapshot";

    public Task<IReadOnlyList<WebPage>> SearchAsync(string query, int maxResults, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(query))
        {
            throw new KnowledgeException(KnowledgeErrorKind.EmptyQuery, "The query is empty.", "query");
        }

        return Task.FromResult(_snapshot.Value.Search(query, Math.Clamp(maxResults, 1, options.Value.MaxResults)));
    }

    public void Dispose()
    {
        if (_snapshot.IsValueCreated)
        {
            _snapshot.Value.Dispose();
        }
    }

    private sealed class Snapshot : IDisposable
    {
        private readonly CodeAnalyzer _analyzer = new();
        private readonly RAMDirectory _directory = new();
        private readonly DirectoryReader _reader;
        private readonly IndexSearcher _searcher;
        private readonly List<WebPage> _pages = [];

        private Snapshot(string path, int maxChars)
        {
            var config = new IndexWriterConfig(CodeAnalyzer.Version, _analyzer) { Similarity = new BM25Similarity() };
            using (var writer = new IndexWriter(_directory, config))
            {
                foreach (var line in File.ReadLines(path))
                {
                    if (string.IsNullOrWhiteSpace(line))
                    {
                        continue;
                    }

                    var row = JsonSerializer.Deserialize<PageLine>(line, LineOptions);
                    if (row?.Url is null || row.Text is null)
                    {
                        continue;
                    }

                    var text = row.Text.Contains('<', StringComparison.Ordinal) ? HtmlText.ToPlainText(row.Text, maxChars) : row.Text[..Math.Min(row.Text.Length, maxChars)];
                    var page = new WebPage(row.Url, row.Title ?? row.Url, text);
                    writer.AddDocument(new Document
                    {
                        new StoredField("page", _pages.Count),
                        new TextField("text", page.Title + "\n" + page.Text, Field.Store.NO),
                    });
                    _pages.Add(page);
                }

                writer.Commit();
            }

            _reader = DirectoryReader.Open(_directory);
            _searcher = new IndexSearcher(_reader) { Similarity = new BM25Similarity() };
        }

        public static Snapshot Load(WebSearchOptions options, ILogger logger)
        {
            var path = options.SnapshotPath ?? throw new InvalidOperationException("WebSearch:SnapshotPath is not set.");
            var snapshot = new Snapshot(path, options.MaxPageChars);
            WebLog.SnapshotLoaded(logger, path, snapshot._pages.Count);
            return snapshot;
        }

        public IReadOnlyList<WebPage> Search(string query, int max)
        {
            var terms = _analyzer.Terms("text", query).Distinct(StringComparer.Ordinal).Take(128).ToList();
            if (terms.Count == 0)
            {
                return [];
            }

            var boolean = new BooleanQuery();
            foreach (var term in terms)
            {
                boolean.Add(new TermQuery(new Term("text", term)), Occur.SHOULD);
            }

            return [.. _searcher.Search(boolean, max).ScoreDocs.Select(d => _pages[_searcher.Doc(d.Doc).GetField("page").GetInt32Value() ?? 0])];
        }

        public void Dispose()
        {
            _reader.Dispose();
            _directory.Dispose();
            _analyzer.Dispose();
        }
    }

    private sealed record PageLine(string? Url, string? Title, string? Text);
}
