using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace EvoR.Sandbox.Diagnostics;

/// <summary>
/// The sandbox's one <see cref="ActivitySource"/> and one <see cref="Meter"/>, both named <c>EvoR.Sandbox</c>
/// (OpenTelemetry naming: dotted lower-case instruments, seconds for durations).
/// </summary>
public sealed class SandboxTelemetry : IDisposable
{
    public const string Name = "EvoR.Sandbox";

    public static readonly ActivitySource ActivitySource = new(Name);

    // Explicit buckets: sandbox runs span 20 ms (trivial) to a minute (limit), the default buckets do not.
    private static readonly double[] DurationBuckets = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    private readonly Meter _meter;
    private readonly Counter<long> _executions;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _failures;
    private readonly Counter<long> _rejections;

    public SandboxTelemetry(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(Name) ?? new Meter(Name);
        _executions = _meter.CreateCounter<long>("evor.sandbox.executions", "{execution}", "Executions finished, by language, verdict and backend.");
        _duration = _meter.CreateHistogram("evor.sandbox.execution.duration", "s", "Execution latency, queue wait excluded.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        _failures = _meter.CreateCounter<long>("evor.sandbox.failures", "{failure}", "Sandbox faults (SandboxError verdicts), by backend.");
        _rejections = _meter.CreateCounter<long>("evor.sandbox.rejections", "{request}", "Requests refused because the pool and its queue were full.");
    }

    /// <summary>Registers the observable queue and pool gauges; called once by the executor.</summary>
    public void ObservePool(Func<long> queued, Func<long> active)
    {
        _meter.CreateObservableGauge("evor.sandbox.queue.depth", queued, "{execution}", "Executions waiting for a sandbox slot.");
        _meter.CreateObservableGauge("evor.sandbox.active", active, "{execution}", "Executions running now.");
    }

    public void RecordExecution(string language, Verdict verdict, string backend, TimeSpan duration)
    {
        var tags = new TagList
        {
            { "evor.language", language },
            { "evor.verdict", verdict.ToString() },
            { "evor.backend", backend },
        };
        _executions.Add(1, tags);
        _duration.Record(duration.TotalSeconds, tags);
        if (verdict == Verdict.SandboxError)
        {
            _failures.Add(1, new TagList { { "evor.backend", backend } });
        }
    }

    public void RecordRejection() => _rejections.Add(1);

    public void Dispose() => _meter.Dispose();
}
