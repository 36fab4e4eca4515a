namespace EvoR.Bench.Runs;

/// <summary>
/// <c>--max-tokens</c>: the run's tokens (in + out) so far, starting from every sample already in <c>samples.jsonl</c>
/// and counting each one as it finishes. A retried sample's new tokens replace its old ones, as in the summary. Once the
/// budget is reached no new sample (or group) starts; those in flight finish.
/// </summary>
internal sealed class TokenBudget(long? max, IReadOnlyDictionary<string, SampleRecord> done)
{
    private long _spent = done.Values.Sum(r => r.TokensIn + r.TokensOut);

    /// <summary>True once a budget is set and reached; never without one.</summary>
    public bool Exhausted => max is { } limit && Interlocked.Read(ref _spent) >= limit;

    /// <summary>Adds a finished sample's tokens, less those of the line it supersedes.</summary>
    public void Count(SampleRecord record)
    {
        var replaced = done.TryGetValue(record.Key, out var old) ? old.TokensIn + old.TokensOut : 0;
        Interlocked.Add(ref _spent, record.TokensIn + record.TokensOut - replaced);
    }
}
