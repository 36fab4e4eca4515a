namespace EvoR.Bench.Runs;

/// <summary>Hears about a run's plan and every finished sample.</summary>
internal interface IRunProgress
{
    void Planned(string dataset, string method, int total, int alreadyDone, int alreadyPassed);

    void Finished(SampleRecord sample);

    /// <summary>Samples that have made no progress for <paramref name="after"/>.</summary>
    void Stalled(IReadOnlyList<string> samples, TimeSpan after);
}

/// <summary>Reports nothing.</summary>
internal sealed class NoProgress : IRunProgress
{
    public void Planned(string dataset, string method, int total, int alreadyDone, int alreadyPassed)
    {
    }

    public void Finished(SampleRecord sample)
    {
    }

    public void Stalled(IReadOnlyList<string> samples, TimeSpan after)
    {
    }
}
