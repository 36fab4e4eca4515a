using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace EvoR.Pipeline.Knowledge;

/// <summary>The Knowledge component's <see cref="ActivitySource"/> and <see cref="Meter"/> (<c>EvoR.Pipeline.Knowledge</c>).</summary>
public sealed class KnowledgeTelemetry : IDisposable
{
    public const string Name = "EvoR.Pipeline.Knowledge";

    private static readonly double[] LatencyBuckets = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

    private readonly Meter _meter;
    private readonly Histogram<double> _searchDuration;
    private readonly Counter<long> _documents;
    private readonly Histogram<double> _ingestDuration;

    public KnowledgeTelemetry(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _meter = meterFactory.Create(Name);
        _searchDuration = _meter.CreateHistogram(
            "evor.knowledge.search.duration",
            "s",
            "Time to answer one knowledge-base search.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
        _ingestDuration = _meter.CreateHistogram(
            "evor.knowledge.ingest.duration",
            "s",
            "Time to add one batch of documents (embedding included).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300] });
        _documents = _meter.CreateCounter<long>("evor.knowledge.documents", "{document}", "Documents submitted, by outcome (added, updated, skipped).");
    }

    public ActivitySource Source { get; } = new(Name);

    internal void RecordSearch(string mode, TimeSpan elapsed) =>
        _searchDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("evor.knowledge.search.mode", mode));

    internal void RecordIngest(IngestResult result, TimeSpan elapsed)
    {
        _ingestDuration.Record(elapsed.TotalSeconds);
        _documents.Add(result.Added, new KeyValuePair<string, object?>("evor.knowledge.outcome", "added"));
        _documents.Add(result.Updated, new KeyValuePair<string, object?>("evor.knowledge.outcome", "updated"));
        _documents.Add(result.Skipped, new KeyValuePair<string, object?>("evor.knowledge.outcome", "skipped"));
    }

    public void Dispose()
    {
        Source.Dispose();
        _meter.Dispose();
    }
}
