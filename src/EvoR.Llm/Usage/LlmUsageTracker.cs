namespace EvoR.Llm.Usage;

/// <summary>
/// Accumulates token usage per scope (a job, a benchmark task) and for the whole process. A scope covers the calls
/// made in its async flow after <see cref="BeginScope"/>, including nested scopes' calls.
/// </summary>
public interface ILlmUsageTracker
{
    /// <summary>Starts a scope in the current async flow; dispose it to end it. Scopes nest.</summary>
    LlmUsageScope BeginScope(string name);

    /// <summary>The innermost scope of the current async flow, if any.</summary>
    LlmUsageScope? Current { get; }

    /// <summary>Everything since the tracker was created.</summary>
    LlmUsageSnapshot Total { get; }

    /// <summary>Adds a finished call to the current scopes and the total.</summary>
    void Record(LlmUsage? usage, TimeSpan duration, bool failed);
}

/// <summary>The default tracker (a singleton).</summary>
public sealed class LlmUsageTracker : ILlmUsageTracker
{
    private readonly AsyncLocal<LlmUsageScope?> _current = new();
    private readonly LlmUsageScope _total = new("total", null, null);

    public LlmUsageScope? Current => _current.Value;

    public LlmUsageSnapshot Total => _total.Snapshot();

    public LlmUsageScope BeginScope(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var scope = new LlmUsageScope(name, _current.Value, s => _current.Value = s);
        _current.Value = scope;
        return scope;
    }

    public void Record(LlmUsage? usage, TimeSpan duration, bool failed)
    {
        _total.Add(usage, duration, failed);
        for (var scope = _current.Value; scope is not null; scope = scope.Parent)
        {
            scope.Add(usage, duration, failed);
        }
    }
}

/// <summary>One accumulation scope; thread-safe. Disposing restores the enclosing scope.</summary>
public sealed class LlmUsageScope : IDisposable
{
    private readonly Action<LlmUsageScope?>? _restore;
    private long _calls;
    private long _failures;
    private long _withoutUsage;
    private long _input;
    private long _output;
    private long _ticks;
    private int _disposed;

    internal LlmUsageScope(string name, LlmUsageScope? parent, Action<LlmUsageScope?>? restore)
    {
        Name = name;
        Parent = parent;
        _restore = restore;
    }

    public string Name { get; }

    public LlmUsageScope? Parent { get; }

    public LlmUsageSnapshot Snapshot() => new(
        Name,
        (int)Interlocked.Read(ref _calls),
        (int)Interlocked.Read(ref _failures),
        (int)Interlocked.Read(ref _withoutUsage),
        new LlmUsage(Interlocked.Read(ref _input), Interlocked.Read(ref _output)),
        TimeSpan.FromTicks(Interlocked.Read(ref _ticks)));

    internal void Add(LlmUsage? usage, TimeSpan duration, bool failed)
    {
        Interlocked.Add(ref _ticks, duration.Ticks);
        if (failed)
        {
            Interlocked.Increment(ref _failures);
            return;
        }

        Interlocked.Increment(ref _calls);
        if (usage is null)
        {
            Interlocked.Increment(ref _withoutUsage);
            return;
        }

        Interlocked.Add(ref _input, usage.InputTokens);
        Interlocked.Add(ref _output, usage.OutputTokens);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _restore?.Invoke(Parent);
        }
    }
}
