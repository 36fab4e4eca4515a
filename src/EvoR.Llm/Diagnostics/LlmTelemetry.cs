using System.Diagnostics;
using System.Diagnostics.Metrics;
using EvoR.Llm.Chat;
using EvoR.Llm.Usage;

namespace EvoR.Llm.Diagnostics;

/// <summary>
/// The LLM layer's one <see cref="ActivitySource"/> and one <see cref="Meter"/>, both named <c>EvoR.Llm</c>. Tags follow
/// the OpenTelemetry GenAI conventions where they exist (<c>gen_ai.system</c>, <c>gen_ai.request.model</c>,
/// <c>error.type</c>) plus <c>evor.source</c> (model, replay, scripted).
/// </summary>
public sealed class LlmTelemetry : IDisposable
{
    public const string Name = "EvoR.Llm";

    public static readonly ActivitySource ActivitySource = new(Name);

    // Explicit buckets: a cached replay answers in a millisecond, a local 7B model writing a program takes minutes.
    private static readonly double[] DurationBuckets = [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600];

    private readonly Meter _meter;
    private readonly Counter<long> _calls;
    private readonly Counter<long> _inputTokens;
    private readonly Counter<long> _outputTokens;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _failures;
    private readonly Counter<long> _retries;

    public LlmTelemetry(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(Name) ?? new Meter(Name);
        _calls = _meter.CreateCounter<long>("evor.llm.calls", "{call}", "LLM calls that returned a response, by provider, model and source.");
        _inputTokens = _meter.CreateCounter<long>("evor.llm.tokens.input", "{token}", "Prompt tokens the providers reported.");
        _outputTokens = _meter.CreateCounter<long>("evor.llm.tokens.output", "{token}", "Completion tokens the providers reported.");
        _duration = _meter.CreateHistogram("evor.llm.call.duration", "s", "LLM call latency including retries and waits.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        _failures = _meter.CreateCounter<long>("evor.llm.failures", "{call}", "LLM calls that failed, by error.type.");
        _retries = _meter.CreateCounter<long>("evor.llm.retries", "{attempt}", "HTTP attempts retried by the resilience pipeline.");
    }

    public void RecordSuccess(string provider, string model, string source, LlmUsage? usage, TimeSpan duration)
    {
        var tags = Tags(provider, model);
        tags.Add(LlmMetadata.Source, source);
        _calls.Add(1, tags);
        _duration.Record(duration.TotalSeconds, tags);
        if (usage is not null)
        {
            _inputTokens.Add(usage.InputTokens, tags);
            _outputTokens.Add(usage.OutputTokens, tags);
        }
    }

    public void RecordFailure(string provider, string model, string errorType, TimeSpan duration)
    {
        var tags = Tags(provider, model);
        tags.Add("error.type", errorType);
        _failures.Add(1, tags);
        _duration.Record(duration.TotalSeconds, tags);
    }

    public void RecordRetry(string authority, string outcome) =>
        _retries.Add(1, new TagList { { "server.address", authority }, { "evor.outcome", outcome } });

    public void Dispose() => _meter.Dispose();

    private static TagList Tags(string provider, string model) => new()
    {
        { "gen_ai.system", provider },
        { "gen_ai.request.model", model },
    };
}
