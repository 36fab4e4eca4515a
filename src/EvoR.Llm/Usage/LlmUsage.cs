namespace EvoR.Llm.Usage;

/// <summary>Tokens of one call or of many, as the provider reported them.</summary>
public sealed record LlmUsage(long InputTokens, long OutputTokens)
{
    public static readonly LlmUsage Zero = new(0, 0);

    public long TotalTokens => InputTokens + OutputTokens;

    public static LlmUsage operator +(LlmUsage left, LlmUsage right)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        return new(left.InputTokens + right.InputTokens, left.OutputTokens + right.OutputTokens);
    }

    public static LlmUsage Add(LlmUsage left, LlmUsage right) => left + right;
}

/// <summary>What a usage scope (or the whole process) has spent so far.</summary>
/// <param name="Name">The scope's name (e.g. a job id); <c>total</c> for the process.</param>
/// <param name="Calls">Calls that returned a response.</param>
/// <param name="Failures">Calls that failed (not configured, transport, provider or cassette errors).</param>
/// <param name="CallsWithoutUsage">Successful calls whose provider reported no token usage.</param>
/// <param name="Usage">Tokens of the successful calls.</param>
/// <param name="CallTime">Wall time spent in calls, successful or not.</param>
public sealed record LlmUsageSnapshot(string Name, int Calls, int Failures, int CallsWithoutUsage, LlmUsage Usage, TimeSpan CallTime);
