using System.Collections.Concurrent;

namespace EvoR.Bench.Runs;

/// <summary>
/// The samples in work and since when, so that one that made no progress for <see cref="BenchRunOptions.StallAfter"/>
/// is named in a liveness warning (as EvalPlus does) instead of leaving a run silent.
/// </summary>
internal sealed class InFlightSamples(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, long> _started = new(StringComparer.Ordinal);

    /// <summary>How a stalled sample is named: <c>dataset/method/problem</c>, with <c>#sample</c> after the first.</summary>
    public static string Name(string dataset, string method, string problemId, int sample) =>
        $"{dataset}/{method}/{problemId}" + (sample > 0 ? $"#{sample}" : "");

    /// <summary>Runs <paramref name="work"/> with <paramref name="name"/> in flight.</summary>
    public async Task<T> TrackAsync<T>(string name, Func<Task<T>> work)
    {
        _started[name] = time.GetTimestamp();
        try
        {
            return await work();
        }
        finally
        {
            _started.TryRemove(name, out _);
        }
    }

    /// <summary>Every half of <paramref name="stallAfter"/>, names the samples in flight for longer than it; ends when
    /// <paramref name="cancellationToken"/> is cancelled.</summary>
    public async Task WatchAsync(TimeSpan stallAfter, IRunProgress progress, CancellationToken cancellationToken)
    {
        try
        {
            using var timer = new PeriodicTimer(stallAfter / 2, time);
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                var stalled = _started.Where(p => time.GetElapsedTime(p.Value) >= stallAfter).Select(p => p.Key).Order(StringComparer.Ordinal).ToList();
                if (stalled.Count > 0)
                {
                    progress.Stalled(stalled, stallAfter);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
