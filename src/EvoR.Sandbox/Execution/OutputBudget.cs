using EvoR.Sandbox.Backends;

namespace EvoR.Sandbox.Execution;

/// <summary>
/// The service-wide bound on the output that running executions hold (<see cref="SandboxOptions.MaxTotalOutputBytes"/>),
/// whatever caps each request asks for. Every byte a run keeps of its stdout and stderr is taken from the budget as it
/// arrives, on top of the run's own caps, and stays taken until the execution returns (an io execution keeps every
/// case's output; a compile step's artifact too). A run never waits for the budget: a chunk that finds less left than
/// it needs is kept as far as the budget grants, and the run ends as <see cref="Verdict.OutputLimitExceeded"/> with a
/// message naming the budget, exactly as past its own cap. So the bytes held never exceed the budget, and runs whose
/// output fits in what is left are served in full.
/// </summary>
public sealed class OutputBudget
{
    private readonly Lock _sync = new();
    private long _held;
    private long _peak;

    public OutputBudget(long capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        Capacity = capacity;
    }

    /// <summary>Bytes all running executions may hold together.</summary>
    public long Capacity { get; }

    /// <summary>Bytes held now.</summary>
    public long Held
    {
        get
        {
            lock (_sync)
            {
                return _held;
            }
        }
    }

    /// <summary>The most bytes held at any moment since start (tests and metrics).</summary>
    public long PeakHeld
    {
        get
        {
            lock (_sync)
            {
                return _peak;
            }
        }
    }

    /// <summary>What one execution holds; disposing it gives back everything it took.</summary>
    internal OutputBooking Open() => new(this);

    /// <summary>Takes up to <paramref name="wanted"/> bytes; returns how many were granted.</summary>
    internal long Take(long wanted)
    {
        lock (_sync)
        {
            var granted = Math.Clamp(Capacity - _held, 0, wanted);
            _held += granted;
            _peak = Math.Max(_peak, _held);
            return granted;
        }
    }

    internal void Give(long bytes)
    {
        lock (_sync)
        {
            _held -= bytes;
        }
    }
}

/// <summary>What one execution holds of the <see cref="OutputBudget"/>, over all its runs.</summary>
internal sealed class OutputBooking(OutputBudget budget) : IDisposable
{
    private long _held;

    /// <summary>The allowance of one run of this execution.</summary>
    public RunAllowance ForRun() => new(this);

    internal int Take(int wanted)
    {
        var granted = (int)budget.Take(wanted);
        Interlocked.Add(ref _held, granted);
        return granted;
    }

    public void Dispose() => budget.Give(Interlocked.Exchange(ref _held, 0));
}

/// <summary>One run's share of its execution's booking; remembers whether the budget ever granted less than asked.</summary>
internal sealed class RunAllowance(OutputBooking booking) : IOutputAllowance
{
    private volatile bool _short;

    /// <summary>The budget granted less than a chunk needed: the run's output was cut by the budget.</summary>
    public bool Short => _short;

    public int Take(int bytes)
    {
        var granted = booking.Take(bytes);
        if (granted < bytes)
        {
            _short = true;
        }

        return granted;
    }
}
