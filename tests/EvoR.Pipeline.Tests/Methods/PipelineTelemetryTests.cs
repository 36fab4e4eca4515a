using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using EvoR.Llm.Diagnostics;
using EvoR.Pipeline.Methods;
using EvoR.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace EvoR.Pipeline.Tests.Methods;

/// <summary>The loop's spans and instruments (<c>EvoR.Pipeline</c>), seen by listeners while a scripted run goes on.</summary>
public sealed class PipelineTelemetryTests
{
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task RunAsync_EvoRFailsThenPasses_EmitsRunRoundAndStepSpansAndMetrics()
    {
        var llm = new ScriptedLlm();
        llm.Programs.Enqueue(Fixtures.BadReply);
        await using var host = await MethodTestHost.StartAsync(llm.AsService());
        using var capture = new TelemetryCapture(host.Services.GetRequiredService<IMeterFactory>());

        using (capture.Begin())
        {
            await host.Runner.RunAsync(host.Method(EvoRMethod.MethodName), Problems.GetValue(), new MethodContext { JobId = "job-t", KnowledgeBase = "docs" }, Ct);
        }

        var run = Assert.Single(capture.Spans("evor.method.run"));
        Assert.Equal(PipelineTelemetry.Name, run.Source.Name);
        Assert.Equal(ActivityStatusCode.Ok, run.Status);
        Assert.Equal(("evor", "pondlet/get-value", "job-t", "clean", 2),
            (run.GetTagItem("evor.method"), run.GetTagItem("evor.problem.id"), run.GetTagItem("evor.job.id"), run.GetTagItem("evor.outcome"), run.GetTagItem("evor.rounds")));
        Assert.Single(capture.Children(run, "evor.test-inputs"));

        var rounds = capture.Children(run, "evor.round").OrderBy(r => (int)r.GetTagItem("evor.round")!).ToList();
        Assert.Equal(2, rounds.Count);
        Assert.Equal([(0, "RuntimeError"), (1, "Passed")], rounds.Select(r => ((int)r.GetTagItem("evor.round")!, (string)r.GetTagItem("evor.verdict")!)));
        Assert.All(rounds, r => Assert.Equal(("evor", "pondlet/get-value"), (r.GetTagItem("evor.method"), r.GetTagItem("evor.problem.id"))));
        Assert.Equal(["evor.retrieve", "evor.generate", "evor.execute", "evor.evolve", "evor.rewrite"], capture.StepsOf(rounds[0]));
        Assert.Equal(["evor.retrieve", "evor.generate", "evor.execute", "evor.evolve"], capture.StepsOf(rounds[1]));
        Assert.Equal("bm25", Assert.Single(capture.Children(rounds[0], "evor.retrieve")).GetTagItem("evor.search.mode"));
        Assert.Equal("RuntimeError", Assert.Single(capture.Children(rounds[0], "evor.execute")).GetTagItem("evor.verdict"));

        // The LLM layer's call span nests under the step that made the call.
        var generate = Assert.Single(capture.Children(rounds[1], "evor.generate"));
        Assert.Contains(capture.All, a => a.Source.Name == LlmTelemetry.Name && a.ParentSpanId == generate.SpanId);

        Assert.Equal([("evor", "RuntimeError", 1L), ("evor", "Passed", 1L)],
            capture.Counts("evor.pipeline.rounds").Select(m => ((string)m.Tags["evor.method"]!, (string)m.Tags["evor.verdict"]!, m.Value)));
        Assert.Equal([("evor", "clean", 1L)],
            capture.Counts("evor.pipeline.method.runs").Select(m => ((string)m.Tags["evor.method"]!, (string)m.Tags["evor.outcome"]!, m.Value)));
        var durations = capture.Histogram("evor.pipeline.round.duration");
        Assert.Equal(2, durations.Count);
        Assert.All(durations, d => Assert.True(d.Value > 0 && (string)d.Tags["evor.method"]! == "evor"));
        var retrievals = capture.Histogram("evor.pipeline.retrieval.duration");
        Assert.Equal(2, retrievals.Count);
        Assert.All(retrievals, d => Assert.Equal(("evor", "bm25"), ((string)d.Tags["evor.method"]!, (string)d.Tags["evor.search.mode"]!)));
        Assert.All(retrievals.Zip(durations), p => Assert.True(p.First.Value <= p.Second.Value));
    }

    [Fact]
    public async Task RunAsync_Reflexion_EmitsSelfTestsAndReflectSpansAndNoRetrieval()
    {
        var llm = new ScriptedLlm();
        llm.Programs.Enqueue(Fixtures.BadReply);
        await using var host = await MethodTestHost.StartAsync(llm.AsService());
        using var capture = new TelemetryCapture(host.Services.GetRequiredService<IMeterFactory>());

        using (capture.Begin())
        {
            await host.Runner.RunAsync(host.Method(ReflexionMethod.MethodName), Problems.GetValue(), new MethodContext(), Ct);
        }

        var run = Assert.Single(capture.Spans("evor.method.run"));
        Assert.Single(capture.Children(run, "evor.self-tests"));
        var rounds = capture.Children(run, "evor.round").OrderBy(r => (int)r.GetTagItem("evor.round")!).ToList();
        Assert.Equal(["evor.generate", "evor.execute", "evor.reflect"], capture.StepsOf(rounds[0]));
        Assert.Empty(capture.Histogram("evor.pipeline.retrieval.duration"));
        Assert.Equal(2, capture.Counts("evor.pipeline.rounds").Sum(m => m.Value));
    }

    [Fact]
    public async Task RunAsync_LlmCallFails_RunSpanIsErrorAndCountedAsError()
    {
        var failing = new ScriptedChatCompletionService(); // empty script, no responder: every call fails
        await using var host = await MethodTestHost.StartAsync(failing);
        using var capture = new TelemetryCapture(host.Services.GetRequiredService<IMeterFactory>());

        using (capture.Begin())
        {
            await Assert.ThrowsAnyAsync<Exception>(() =>
                host.Runner.RunAsync(host.Method(EvoRMethod.MethodName), Problems.GetValue(), new MethodContext { KnowledgeBase = "docs" }, Ct));
        }

        var run = Assert.Single(capture.Spans("evor.method.run"));
        Assert.Equal(ActivityStatusCode.Error, run.Status);
        Assert.Equal("error", run.GetTagItem("evor.outcome"));
        Assert.False(string.IsNullOrEmpty((string?)run.GetTagItem("error.type")));
        Assert.Empty(capture.Children(run, "evor.round"));
        Assert.Equal([("evor", "error", 1L)],
            capture.Counts("evor.pipeline.method.runs").Select(m => ((string)m.Tags["evor.method"]!, (string)m.Tags["evor.outcome"]!, m.Value)));
        Assert.Empty(capture.Counts("evor.pipeline.rounds"));
    }

    /// <summary>
    /// Collects the spans of one trace (begun by <see cref="Begin"/>, so parallel tests do not mix) and the measurements
    /// of the <c>EvoR.Pipeline</c> meter made by one container's meter factory.
    /// </summary>
    private sealed class TelemetryCapture : IDisposable
    {
        private const string TestSourceName = "EvoR.Pipeline.Tests.Telemetry";
        private readonly ActivitySource _testSource = new(TestSourceName);
        private readonly ActivityListener _activities;
        private readonly MeterListener _meters = new();
        private readonly ConcurrentQueue<Activity> _spans = new();
        private readonly ConcurrentQueue<(string Instrument, double Value, Dictionary<string, object?> Tags)> _measurements = new();
        private ActivityTraceId? _trace;

        public TelemetryCapture(IMeterFactory scope)
        {
            _activities = new ActivityListener
            {
                ShouldListenTo = s => s.Name is PipelineTelemetry.Name or LlmTelemetry.Name or TestSourceName,
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = a =>
                {
                    if (a.TraceId == _trace)
                    {
                        _spans.Enqueue(a);
                    }
                },
            };
            ActivitySource.AddActivityListener(_activities);
            _meters.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == PipelineTelemetry.Name && ReferenceEquals(instrument.Meter.Scope, scope))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _meters.SetMeasurementEventCallback<long>((i, v, tags, _) => Add(i, v, tags));
            _meters.SetMeasurementEventCallback<double>((i, v, tags, _) => Add(i, v, tags));
            _meters.Start();
        }

        public IReadOnlyList<Activity> All => [.. _spans];

        public Activity Begin()
        {
            var root = _testSource.StartActivity("test")!;
            _trace = root.TraceId;
            return root;
        }

        public List<Activity> Spans(string operation) => [.. _spans.Where(a => a.OperationName == operation)];

        public List<Activity> Children(Activity parent, string operation) =>
            [.. _spans.Where(a => a.OperationName == operation && a.ParentSpanId == parent.SpanId)];

        /// <summary>The pipeline step spans directly under a span, in the order they ended (steps run one after another).</summary>
        public List<string> StepsOf(Activity parent) =>
            [.. _spans.Where(a => a.ParentSpanId == parent.SpanId && a.Source.Name == PipelineTelemetry.Name).Select(a => a.OperationName)];

        public List<(long Value, Dictionary<string, object?> Tags)> Counts(string instrument) =>
            [.. _measurements.Where(m => m.Instrument == instrument).Select(m => ((long)m.Value, m.Tags))];

        public List<(double Value, Dictionary<string, object?> Tags)> Histogram(string instrument) =>
            [.. _measurements.Where(m => m.Instrument == instrument).Select(m => (m.Value, m.Tags))];

        public void Dispose()
        {
            _activities.Dispose();
            _meters.Dispose();
            _testSource.Dispose();
        }

        private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var copy = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var tag in tags)
            {
                copy[tag.Key] = tag.Value;
            }

            _measurements.Enqueue((instrument.Name, value, copy));
        }
    }
}
