using EvoR.Pipeline.Knowledge;
using Lucene.Net.Index;
using Lucene.Net.Search;

namespace EvoR.Pipeline.Retrieval;

/// <summary>The BM25 side of a search: the query's terms (rare ones kept, very common ones pruned) and its filters.</summary>
internal sealed class Bm25Queries(CodeAnalyzer analyzer, RetrievalOptions retrieval)
{
    public BooleanQuery? Build(string text, IndexReader reader)
    {
        var terms = analyzer.Terms(LuceneSchema.FText, text).Distinct(StringComparer.Ordinal).Take(retrieval.MaxQueryTerms).ToList();
        if (terms.Count == 0)
        {
            return null;
        }

        var chunks = reader.NumDocs;
        if (chunks >= retrieval.Bm25PruneMinChunks && retrieval.Bm25MaxDocFrequency < 1)
        {
            var frequencies = terms.ToDictionary(t => t, t => reader.DocFreq(new Term(LuceneSchema.FText, t)), StringComparer.Ordinal);
            var limit = retrieval.Bm25MaxDocFrequency * chunks;
            var rarest = terms.Where(t => frequencies[t] > 0).MinBy(t => frequencies[t]);
            terms = [.. terms.Where(t => frequencies[t] > 0 && (frequencies[t] <= limit || t == rarest))];
            if (terms.Count == 0)
            {
                return null;
            }
        }

        var query = new BooleanQuery();
        foreach (var term in terms)
        {
            query.Add(new TermQuery(new Term(LuceneSchema.FText, term)), Occur.SHOULD);
        }

        return query;
    }

    public static QueryWrapperFilter? Filter(IReadOnlyList<SourceKind>? sources, IReadOnlyList<string>? languages, IReadOnlyList<string>? libraries)
    {
        var filter = new BooleanQuery();
        AddAnyOf(filter, LuceneSchema.FSource, sources?.Select(s => s.ToWireName()).ToList());
        AddAnyOf(filter, LuceneSchema.FLanguage, languages);
        AddAnyOf(filter, LuceneSchema.FLibrary, libraries);
        return filter.Clauses.Count == 0 ? null : new QueryWrapperFilter(filter);

        static void AddAnyOf(BooleanQuery filter, string field, IReadOnlyList<string>? values)
        {
            if (values is null || values.Count == 0)
            {
                return;
            }

            var any = new BooleanQuery();
            foreach (var value in values)
            {
                any.Add(new TermQuery(new Term(field, value)), Occur.SHOULD);
            }

            filter.Add(any, Occur.MUST);
        }
    }
}
