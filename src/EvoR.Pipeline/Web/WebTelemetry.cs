using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace EvoR.Pipeline.Web;

/// <summary>The Web component's <see cref="ActivitySource"/> and <see cref="Meter"/> (<c>EvoR.Pipeline.Web</c>).</summary>
public sealed class WebTelemetry : IDisposable
{
    public const string Name = "EvoR.Pipeline.Web";

    private readonly Meter _meter;
    private readonly Histogram<double> _duration;

    public WebTelemetry(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _meter = meterFactory.Create(Name);
        _duration = _meter.CreateHistogram(
            "evor.web.search.duration",
            "s",
            "Time to answer one web search, page fetches included.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });
    }

    public ActivitySource Source { get; } = new(Name);

    internal void RecordSearch(string provider, TimeSpan elapsed) =>
        _duration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("evor.web.provider", provider));

    public void Dispose()
    {
        Source.Dispose();
        _meter.Dispose();
    }
}
