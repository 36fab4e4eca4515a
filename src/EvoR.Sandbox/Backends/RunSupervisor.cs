namespace EvoR.Sandbox.Backends;

/// <summary>
/// The supervision that every backend does the same way around one run: the wall clock (timed here, outside the
/// sandbox), the output caps' kill switch, the caller's cancellation, the grace for the output readers once the run has
/// ended, and the mapping of how the run ended to the facts a verdict is made of (<see cref="SandboxRun"/>). What
/// starts, waits for and kills the run is the backend's own.
/// </summary>
internal sealed class RunSupervisor : IDisposable
{
    /// <summary>How long the output readers get to reach the end of their streams once the run is over: the streams
    /// close with the run, so the grace only guards against a surprise.</summary>
    private static readonly TimeSpan ReaderGrace = TimeSpan.FromSeconds(2);

    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _overflow = new();
    private readonly CancellationTokenSource _wall;
    private readonly CancellationTokenSource _stop;
    private long _started;

    /// <param name="wall">The wall-clock limit, counted from now (or from <see cref="RestartWall"/>).</param>
    /// <param name="time">The clock.</param>
    /// <param name="cancellationToken">The caller's cancellation, which stops the run too.</param>
    public RunSupervisor(TimeSpan wall, TimeProvider time, CancellationToken cancellationToken)
    {
        _time = time;
        _wall = new CancellationTokenSource(wall, time);
        _stop = CancellationTokenSource.CreateLinkedTokenSource(_wall.Token, _overflow.Token, cancellationToken);
        _started = time.GetTimestamp();
    }

    /// <summary>Fires when the run must be killed: wall clock, an output cap, or the caller.</summary>
    public CancellationToken Stop => _stop.Token;

    /// <summary>Whether the wall clock ran out.</summary>
    public bool WallExpired => _wall.IsCancellationRequested;

    /// <summary>Time since the run started (or since <see cref="RestartWall"/>).</summary>
    public TimeSpan Elapsed => _time.GetElapsedTime(Interlocked.Read(ref _started));

    /// <summary>The output readers' callback for output past a cap: the run is killed.</summary>
    public void Overflowed()
    {
        try
        {
            _overflow.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The run is over already.
        }
    }

    /// <summary>Starts the wall clock afresh (the program itself starts only now, e.g. behind a gate that placed its
    /// files first).</summary>
    public void RestartWall(TimeSpan wall)
    {
        Interlocked.Exchange(ref _started, _time.GetTimestamp());
        try
        {
            _wall.CancelAfter(wall);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>Waits for the readers and the stdin writer of a run that has ended; past the grace it closes the streams
    /// (<paramref name="closeStreams"/>) so that they end.</summary>
    public async Task DrainAsync(Task readers, Action closeStreams)
    {
        try
        {
            await readers.WaitAsync(ReaderGrace, _time, CancellationToken.None);
        }
        catch (TimeoutException)
        {
            closeStreams();
            await readers;
        }
    }

    /// <summary>The facts of a run that ended: an exit status (null when it was killed), the output caps, the memory
    /// verdict. An init process or shell exits 128 + n when the program died of signal n. A kill is a timeout only when
    /// the wall clock, not an output cap, caused it.</summary>
    public SandboxRun Outcome(
        int? exitStatus, bool killed, bool outputExceeded, bool oomKilled, byte[] stdout, byte[] stderr, TimeSpan duration)
    {
        var exitCode = killed ? null : exitStatus;
        return new SandboxRun
        {
            ExitCode = exitCode,
            Signal = exitCode is > 128 and <= 128 + 64 ? exitCode - 128 : null,
            TimedOut = killed && _wall.IsCancellationRequested && !_overflow.IsCancellationRequested,
            OutputLimitExceeded = outputExceeded,
            OomKilled = oomKilled,
            Stdout = stdout,
            Stderr = stderr,
            Truncated = outputExceeded,
            DurationMs = (long)duration.TotalMilliseconds,
        };
    }

    public void Dispose()
    {
        _stop.Dispose();
        _wall.Dispose();
        _overflow.Dispose();
    }
}
