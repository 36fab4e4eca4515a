using System.Collections.Concurrent;
using System.Globalization;
using Spectre.Console;

namespace EvoR.Bench.Runs;

/// <summary>Counts per dataset × method, shared by both progress views.</summary>
internal sealed class ProgressCounts
{
    public required int Total { get; init; }
    public int Done;
    public int Passed;
    public long Tokens;
}

/// <summary>Plain lines (output redirected or not a terminal): one per finished sample, with the cell's counts.</summary>
internal sealed class PlainRunProgress(TextWriter output, TimeProvider time) : IRunProgress
{
    private readonly ConcurrentDictionary<string, ProgressCounts> _cells = new(StringComparer.Ordinal);
    private readonly long _started = time.GetTimestamp();
    private readonly Lock _lock = new();

    public void Planned(string dataset, string method, int total, int alreadyDone, int alreadyPassed)
    {
        _cells[$"{dataset}/{method}"] = new ProgressCounts { Total = total, Done = alreadyDone, Passed = alreadyPassed };
        lock (_lock)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{dataset}/{method}] {alreadyDone}/{total} already done ({alreadyPassed} passed)"));
        }
    }

    public void Finished(SampleRecord sample)
    {
        var c = _cells[$"{sample.Dataset}/{sample.Method}"];
        var done = Interlocked.Increment(ref c.Done);
        var passed = sample.Passed ? Interlocked.Increment(ref c.Passed) : Volatile.Read(ref c.Passed);
        var tokens = Interlocked.Add(ref c.Tokens, sample.TokensIn + sample.TokensOut);
        var elapsed = time.GetElapsedTime(_started);
        lock (_lock)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"[{sample.Dataset}/{sample.Method}] {done}/{c.Total} passed {passed} tokens {tokens} elapsed {elapsed:hh\\:mm\\:ss} {sample.ProblemId}: {(sample.Passed ? "passed" : sample.Failure)}"));
        }
    }

    public void Stalled(IReadOnlyList<string> samples, TimeSpan after)
    {
        lock (_lock)
        {
            output.WriteLine(Liveness.Warning(samples, after));
        }
    }
}

/// <summary>The liveness warning's text.</summary>
internal static class Liveness
{
    public static string Warning(IReadOnlyList<string> samples, TimeSpan after) =>
        string.Create(CultureInfo.InvariantCulture, $"warning: no progress for {after.TotalSeconds:0} s on {samples.Count} sample(s): {string.Join(", ", samples.Take(10))}{(samples.Count > 10 ? " …" : "")}");
}

/// <summary>One live Spectre.Console bar per dataset × method: done / total, passed so far, tokens, elapsed, ETA.</summary>
internal sealed class SpectreRunProgress(ProgressContext context) : IRunProgress
{
    private readonly ConcurrentDictionary<string, (ProgressTask Task, ProgressCounts Counts)> _cells = new(StringComparer.Ordinal);

    public static async Task<T> RunAsync<T>(Func<IRunProgress, Task<T>> run, TimeProvider time)
    {
        _ = time;
        return await AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(ctx => run(new SpectreRunProgress(ctx)));
    }

    public void Planned(string dataset, string method, int total, int alreadyDone, int alreadyPassed)
    {
        var counts = new ProgressCounts { Total = total, Done = alreadyDone, Passed = alreadyPassed };
        var task = context.AddTask(Describe(dataset, method, counts), maxValue: Math.Max(1, total));
        task.Value = alreadyDone;
        _cells[$"{dataset}/{method}"] = (task, counts);
    }

    public void Finished(SampleRecord sample)
    {
        var (task, c) = _cells[$"{sample.Dataset}/{sample.Method}"];
        Interlocked.Increment(ref c.Done);
        if (sample.Passed)
        {
            Interlocked.Increment(ref c.Passed);
        }

        Interlocked.Add(ref c.Tokens, sample.TokensIn + sample.TokensOut);
        task.Increment(1);
        task.Description = Describe(sample.Dataset, sample.Method, c);
    }

    public void Stalled(IReadOnlyList<string> samples, TimeSpan after) =>
        AnsiConsole.MarkupLine("[yellow]" + Markup.Escape(Liveness.Warning(samples, after)) + "[/]");

    private static string Describe(string dataset, string method, ProgressCounts c) =>
        Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"{dataset}/{method} {c.Done}/{c.Total} passed {c.Passed} tokens {c.Tokens}"));
}
