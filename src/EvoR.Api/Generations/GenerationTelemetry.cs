using System.Diagnostics;
using System.Diagnostics.Metrics;
using EvoR.Api.Telemetry;

namespace EvoR.Api.Generations;

/// <summary>
/// The <c>EvoR.Generations</c> meter: jobs created (by method) and finished (by method and status), refusals of a
/// full queue, queue depth and running jobs, and job duration (seconds from start to end).
/// </summary>
internal sealed class GenerationTelemetry
{
    private static readonly double[] DurationBuckets = [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

    private readonly Counter<long> _created;
    private readonly Counter<long> _finished;
    private readonly Counter<long> _rejected;
    private readonly Histogram<double> _duration;

    public GenerationTelemetry(IMeterFactory meterFactory, IGenerationQueue queue)
    {
        var meter = meterFactory.Create(TelemetryNames.Generations);
        _created = meter.CreateCounter<long>("evor.generations.jobs.created", "{job}", "Generation jobs accepted, by method.");
        _finished = meter.CreateCounter<long>("evor.generations.jobs.finished", "{job}", "Generation jobs ended, by method and status.");
        _rejected = meter.CreateCounter<long>("evor.generations.jobs.rejected", "{job}", "Generation jobs refused because the queue was full.");
        _duration = meter.CreateHistogram("evor.generations.job.duration", "s", "Time from a job's start to its end, by method and status.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        meter.CreateObservableGauge("evor.generations.queue.depth", () => queue.Waiting, "{job}", "Generation jobs waiting for a worker.");
        meter.CreateObservableGauge("evor.generations.jobs.running", () => queue.Running, "{job}", "Generation jobs running now.");
    }

    public void Created(string method) => _created.Add(1, new KeyValuePair<string, object?>("evor.method", method));

    public void Rejected(string method) => _rejected.Add(1, new KeyValuePair<string, object?>("evor.method", method));

    public void Finished(string method, GenerationStatus status, TimeSpan? duration)
    {
        var tags = new TagList { { "evor.method", method }, { "evor.status", status.ToWire() } };
        _finished.Add(1, tags);
        if (duration is { } d)
        {
            _duration.Record(d.TotalSeconds, tags);
        }
    }
}
