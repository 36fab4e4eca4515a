using System.Globalization;
using System.Text;
using EvoR.Bench.Statistics;

namespace EvoR.Bench.Commands;

/// <summary>Renders a <see cref="SandboxBenchmarkReport"/> as the plain-text table the command prints.</summary>
internal static class SandboxBenchmarkFormatter
{
    public static string Format(SandboxBenchmarkReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var sb = new StringBuilder();
        var env = report.Environment;
        var lat = report.Latency;
        Line(sb, $"EvoR sandbox benchmark, {report.StartedAt:yyyy-MM-dd HH:mm:ss} UTC");
        Line(sb, $"backend {env.Backend}, cgroup limits {YesNo(env.CgroupLimits)}, pool size {env.PoolSize}, {env.ProcessorCount} cores, {env.Os}, {env.Runtime}");
        Line(sb, $"sandbox python: {env.SandboxPythonVersion ?? "unknown"}; bare baseline: {env.BarePython}");
        Line(sb, $"iterations {env.Iterations} (after {env.Warmup} warm-up runs each), sandbox and bare alternated, {env.GapMs} ms idle before each");
        Line(sb, $"load average (1/5/15 min) at start {env.LoadAverageAtStart ?? "n/a"}, at end {env.LoadAverageAtEnd ?? "n/a"}");
        sb.Append('\n');
        Text(sb, "Trivial Python run (`pass`), latency per run       n     p50 ms   p95 ms   min ms   max ms  mean ms");
        Latency(sb, "  sandbox (ICodeExecutor.ExecuteAsync)", lat.Sandbox);
        Latency(sb, "    sandbox's own timing (DurationMs)", lat.SandboxReported);
        Latency(sb, $"  bare spawn ({env.BarePython} -c pass)", lat.Bare);
        Line(sb, $"  {"ratio sandbox / bare",-46}        {lat.RatioP50,7:0.00}x {lat.RatioP95,7:0.00}x");
        Line(sb, $"  goal: ratio <= {lat.GoalRatio:0.0#}x  p50: {Met(lat.GoalMetP50)}  p95: {Met(lat.GoalMetP95)}");
        if (lat.DockerRun is { } docker)
        {
            Latency(sb, $"  docker run --rm {docker.Image} true", docker.Latency);
            Line(sb, $"  goal (docker backend, with the pool): sandbox p50 <= {DockerRunBaseline.GoalP50Ms:0} ms: {Met(lat.Sandbox.P50Ms <= DockerRunBaseline.GoalP50Ms)}");
            if (docker.Failed > 0)
            {
                Line(sb, $"  WARNING: {docker.Failed} docker run baseline runs failed");
            }
        }

        if (lat.SandboxNotPassed > 0 || lat.BareFailed > 0)
        {
            Line(sb, $"  WARNING: {lat.SandboxNotPassed} sandbox runs not Passed, {lat.BareFailed} bare runs exited non-zero");
        }

        sb.Append('\n');
        Text(sb, "Throughput (trivial runs, closed loop)    concurrency   runs    wall s    exec/s");
        for (var i = 0; i < report.Throughput.Count; i++)
        {
            var t = report.Throughput[i];
            var label = i == 0 ? "  sequential" : "  at pool size";
            var warning = t.NotPassed > 0 ? $"   ({t.NotPassed} not Passed)" : "";
            Line(sb, $"{label,-42} {t.Concurrency,11} {t.Executions,6} {t.WallSeconds,9:0.00} {t.ExecutionsPerSecond,9:0.0}{warning}");
        }

        sb.Append('\n');
        if (report.HumanEval is { } he)
        {
            Text(sb, "HumanEval canonical solutions             parallelism  tasks  passed    wall s   tasks/s");
            Line(sb, $"{"  scored through the sandbox",-42} {he.Parallelism,11} {he.Tasks,6} {he.Passed,7} {he.WallSeconds,9:0.00} {he.Tasks / he.WallSeconds,9:0.0}");
            Line(sb, $"  per-task latency (queueing included): p50 {he.TaskLatency.P50Ms:0.0} ms, p95 {he.TaskLatency.P95Ms:0.0} ms, max {he.TaskLatency.MaxMs:0.0} ms");
            foreach (var f in he.NotPassed)
            {
                Line(sb, $"  NOT PASSED {f.TaskId}: {f.Verdict}: {f.Message} {OneLine(f.StderrTail)}");
            }
        }
        else
        {
            Line(sb, $"HumanEval canonical solutions: skipped ({report.HumanEvalSkippedReason})");
        }

        Scoped(sb, report.Scoped);
        return sb.ToString();
    }

    private static void Scoped(StringBuilder sb, IReadOnlyList<ScopedBackendRun> scoped)
    {
        if (scoped.Count == 0)
        {
            return;
        }

        sb.Append('\n');
        Text(sb, "Within one trust scope (OpenScope)   backend   seq runs   wall s   exec/s   HumanEval batch wall s (passed/tasks)");
        foreach (var r in scoped)
        {
            var he = r.HumanEval is { } h ? $"{h.WallSeconds,9:0.00} ({h.Passed}/{h.Tasks}, parallelism {h.Parallelism})" : "      n/a";
            var warning = r.Sequential.NotPassed > 0 ? $"   ({r.Sequential.NotPassed} not Passed)" : "";
            Line(sb, $"  {"",-34} {r.Backend,7} {r.Sequential.Executions,10} {r.Sequential.WallSeconds,8:0.00} {r.Sequential.ExecutionsPerSecond,8:0.0}   {he}{warning}");
        }

        if (scoped.FirstOrDefault(r => r.Backend == "process") is { } process && scoped.FirstOrDefault(r => r.Backend == "docker") is { } docker)
        {
            var throughput = docker.Sequential.ExecutionsPerSecond / process.Sequential.ExecutionsPerSecond;
            Line(sb, $"  goal: docker sequential >= {SandboxScopeBenchmark.GoalThroughputRatio:0.0#}x process: {throughput:0.00}x, {Met(throughput >= SandboxScopeBenchmark.GoalThroughputRatio)}");
            if (docker.HumanEval is { } dh && process.HumanEval is { } ph)
            {
                var wall = dh.WallSeconds / ph.WallSeconds;
                Line(sb, $"  goal: docker HumanEval batch <= {SandboxScopeBenchmark.GoalHumanEvalRatio:0.0#}x process wall time: {wall:0.00}x, {Met(wall <= SandboxScopeBenchmark.GoalHumanEvalRatio)}");
            }
        }
    }

    private static void Latency(StringBuilder sb, string label, LatencySummary s) =>
        Line(sb, $"{label,-46} {s.Count,6} {s.P50Ms,8:0.00} {s.P95Ms,8:0.00} {s.MinMs,8:0.00} {s.MaxMs,8:0.00} {s.MeanMs,8:0.00}");

    private static void Line(StringBuilder sb, FormattableString text) =>
        sb.Append(text.ToString(CultureInfo.InvariantCulture)).Append('\n');

    private static void Text(StringBuilder sb, string text) => sb.Append(text).Append('\n');

    private static string Met(bool met) => met ? "met" : "NOT met";

    private static string YesNo(bool? value) => value switch { true => "yes", false => "no (rlimits only)", null => "unknown" };

    private static string OneLine(string text) => text.ReplaceLineEndings(" | ").Trim();
}
