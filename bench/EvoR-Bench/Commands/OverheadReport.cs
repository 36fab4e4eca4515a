using System.Globalization;
using System.Text;

namespace EvoR.Bench.Commands;

/// <summary>
/// What the <c>overhead</c> benchmark measured, and the two bounds on samples per second that the runner cannot beat:
/// the model's latency (<c>concurrency / (calls per sample × latency)</c>) and the sandbox's own throughput for the same
/// scoring executions (<c>executions per second / executions per sample</c>).
/// </summary>
internal sealed record OverheadReport
{
    /// <summary>Within this share of the tighter bound the runner's overhead is acceptable.</summary>
    public const double Tolerance = 0.10;

    public required string Dataset { get; init; }
    public required string Method { get; init; }
    public required int Samples { get; init; }
    public required int Concurrency { get; init; }
    public required int SandboxPool { get; init; }
    public required TimeSpan ModelLatency { get; init; }
    public required double CallsPerSample { get; init; }
    public required double ExecutionsPerSample { get; init; }

    /// <summary>The sandbox alone: the same scoring executions, as many at once as the run, before and after it.</summary>
    public required IReadOnlyList<SandboxTiming> SandboxAlone { get; init; }

    public required TimeSpan RunWall { get; init; }
    public required int Passed { get; init; }

    /// <summary>Mean per sample of the time outside the model: the method's time less its generation time, plus scoring.</summary>
    public required double MeanMsOutsideModel { get; init; }

    public double ModelBound => Concurrency / (CallsPerSample * ModelLatency.TotalSeconds);

    /// <summary>The mean of the sandbox-alone measurements.</summary>
    public double SandboxExecutionsPerSecond => SandboxAlone.Average(t => t.PerSecond);

    public double SandboxBound => SandboxExecutionsPerSecond / ExecutionsPerSample;

    public double Measured => Samples / RunWall.TotalSeconds;

    public bool SandboxIsTighter => SandboxBound < ModelBound;

    public double TighterBound => Math.Min(ModelBound, SandboxBound);

    public double Ratio => Measured / TighterBound;

    public bool WithinTolerance => Ratio >= 1 - Tolerance;

    public string Text()
    {
        var c = CultureInfo.InvariantCulture;
        var s = new StringBuilder();
        s.AppendLine(c, $"Runner overhead: {Dataset}, {Samples} samples of {Method}, --concurrency {Concurrency}, sandbox pool {SandboxPool}.");
        s.AppendLine(c, $"The model is scripted: it waits {ModelLatency.TotalMilliseconds:0} ms a call, then answers the reference solution ({Passed}/{Samples} passed: a harness check, not a model's accuracy).");
        s.AppendLine(c, $"  model-latency bound : {ModelBound,8:0.00} samples/s  ({Concurrency} in flight / ({CallsPerSample:0.##} calls a sample x {ModelLatency.TotalSeconds:0.###} s))");
        s.AppendLine(c, $"  sandbox bound       : {SandboxBound,8:0.00} samples/s  ({SandboxExecutionsPerSecond:0.00} executions/s alone / {ExecutionsPerSample:0.##} executions a sample)");
        s.AppendLine(c, $"                        sandbox alone, before and after the run: {string.Join(", ", SandboxAlone.Select(t => string.Create(c, $"{t.Executions} in {t.Wall.TotalSeconds:0.00} s = {t.PerSecond:0.00}/s")))}");
        s.AppendLine(c, $"  measured            : {Measured,8:0.00} samples/s  ({Samples} samples in {RunWall.TotalSeconds:0.00} s)");
        s.AppendLine(c, $"  bound that held     : {(SandboxIsTighter ? "sandbox" : "model latency")}; measured is {Ratio * 100:0.0} % of it: {(WithinTolerance ? "within" : "NOT within")} {Tolerance * 100:0} %");
        s.AppendLine(c, $"  time outside the model: {MeanMsOutsideModel:0.0} ms a sample (mean; the method's time less generation, plus scoring)");
        return s.ToString();
    }
}

/// <summary>Executions the sandbox ran alone, and how long they took.</summary>
internal sealed record SandboxTiming(int Executions, TimeSpan Wall)
{
    public double PerSecond => Executions / Wall.TotalSeconds;
}
