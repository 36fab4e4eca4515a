using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace EvoR.Pipeline.Embeddings;

/// <summary>The Embeddings component's <see cref="ActivitySource"/> and <see cref="Meter"/> (<c>EvoR.Pipeline.Embeddings</c>).</summary>
public sealed class EmbeddingTelemetry : IDisposable
{
    public const string Name = "EvoR.Pipeline.Embeddings";

    private static readonly double[] DurationBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    private readonly Meter _meter;
    private readonly Counter<long> _sentences;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _cacheHits;
    private readonly Counter<long> _cacheMisses;

    public EmbeddingTelemetry(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _meter = meterFactory.Create(Name);
        _sentences = _meter.CreateCounter<long>("evor.embeddings.sentences", "{sentence}", "Sentences embedded by the model.");
        _duration = _meter.CreateHistogram(
            "evor.embeddings.duration",
            "s",
            "Time to embed one request's sentences.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        _cacheHits = _meter.CreateCounter<long>("evor.embeddings.cache.hits", "{sentence}", "Embeddings served from the content-hash cache.");
        _cacheMisses = _meter.CreateCounter<long>("evor.embeddings.cache.misses", "{sentence}", "Embeddings the cache did not have.");
    }

    public ActivitySource Source { get; } = new(Name);

    internal void RecordBatch(int count, string provider, TimeSpan elapsed)
    {
        var tag = new KeyValuePair<string, object?>("evor.embeddings.provider", provider);
        _sentences.Add(count, tag);
        _duration.Record(elapsed.TotalSeconds, tag);
    }

    internal void RecordCache(int hits, int misses)
    {
        _cacheHits.Add(hits);
        _cacheMisses.Add(misses);
    }

    public void Dispose()
    {
        Source.Dispose();
        _meter.Dispose();
    }
}
