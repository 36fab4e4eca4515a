namespace EvoR.Sandbox.Execution;

/// <summary>
/// The service-wide bound on the output that running executions hold (<see cref="SandboxOptions.MaxTotalOutputBytes"/>),
/// whatever caps each request asks for. Before each run an execution books the run's caps (stdout plus stderr) from the
/// budget; when the run ends the booking shrinks to the bytes actually kept, which stay booked until the execution
/// returns (an io execution keeps every case's output). When less than the caps is left, the run gets what is left as
/// its caps (stdout first, then stderr; possibly zero): it never waits, and output past those caps ends it as
/// <see cref="Verdict.OutputLimitExceeded"/> with a message naming the budget. So the bytes held never exceed the budget.
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

    /// <summary>Bytes booked now.</summary>
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

    /// <summary>The most bytes booked at any moment since start (tests and metrics).</summary>
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

    /// <summary>A booking for one execution; disposing it gives back everything it still holds.</summary>
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

/// <summary>What one execution holds of the <see cref="OutputBudget"/>.</summary>
internal sealed class OutputBooking(OutputBudget budget) : IDisposable
{
    private long _held;

    /// <summary>Books the caps of one run; the caps granted may be smaller (<c>Reduced</c>) when the budget is short.</summary>
    public RunCaps Book(int stdoutCap, int stderrCap)
    {
        var wanted = (long)stdoutCap + stderrCap;
        var granted = budget.Take(wanted);
        _held += granted;
        var stdout = (int)Math.Min(stdoutCap, granted);
        return new RunCaps(stdout, (int)(granted - stdout), granted < wanted);
    }

    /// <summary>After the run: keeps only the bytes it kept booked.</summary>
    public void Settle(RunCaps caps, long kept)
    {
        var unused = Math.Max(0, (long)caps.Stdout + caps.Stderr - kept);
        budget.Give(unused);
        _held -= unused;
    }

    public void Dispose()
    {
        budget.Give(_held);
        _held = 0;
    }
}

/// <summary>The output caps one run got from the budget.</summary>
internal readonly record struct RunCaps(int Stdout, int Stderr, bool Reduced);
