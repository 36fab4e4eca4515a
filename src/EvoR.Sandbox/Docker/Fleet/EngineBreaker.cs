namespace EvoR.Sandbox.Docker.Fleet;

/// <summary>The states of an engine's breaker, as <c>/health</c> and <c>/metrics</c> show them.</summary>
public enum EngineState
{
    /// <summary>In rotation.</summary>
    Closed,

    /// <summary>Out of rotation; its probe runs now (a run never goes to it meanwhile).</summary>
    HalfOpen,

    /// <summary>Out of rotation until its cool-down ends.</summary>
    Open,
}

/// <summary>
/// The circuit breaker of one engine: <see cref="EngineBreakerOptions.FailuresToOpen"/> consecutive engine faults open
/// it for <see cref="EngineBreakerOptions.OpenSeconds"/>; then one probe (the engine's version call, never a user's
/// program) closes it or opens it for another cool-down. Not Polly's breaker: that one counts a failure ratio over a
/// sampling window and lets the next real call through as its trial, while here the fleet must pick an engine before
/// any call (so the state is asked, not thrown), and a suspect engine must never get a user's run. Not thread-safe on
/// its own: <see cref="FleetRouter"/> calls it under its lock.
/// </summary>
internal sealed class EngineBreaker(EngineBreakerOptions options, TimeProvider time)
{
    private readonly TimeSpan _openFor = TimeSpan.FromSeconds(options.OpenSeconds);
    private long _openedAt;
    private bool _open;
    private bool _probing;

    public EngineState State => _probing ? EngineState.HalfOpen : _open ? EngineState.Open : EngineState.Closed;

    /// <summary>Engine faults in a row (reset by a success or a passed probe).</summary>
    public int ConsecutiveFailures { get; private set; }

    /// <summary>The last engine fault, for <c>/health</c> and the all-engines-out message.</summary>
    public string? LastFailure { get; private set; }

    /// <summary>Whether a run may go to this engine.</summary>
    public bool InRotation => !_open;

    /// <summary>When an open breaker's cool-down ends.</summary>
    public DateTimeOffset? OpenUntil => _open ? time.GetUtcNow() + (_openFor - time.GetElapsedTime(_openedAt)) : null;

    /// <summary>Whether the cool-down is over and nobody probes yet: the caller should probe now (it is half-open once
    /// this returns true).</summary>
    public bool TryStartProbe()
    {
        if (!_open || _probing || time.GetElapsedTime(_openedAt) < _openFor)
        {
            return false;
        }

        _probing = true;
        return true;
    }

    /// <summary>The probe's answer: null lets the engine back in, a reason keeps it out for another cool-down.</summary>
    public void ProbeEnded(string? failure)
    {
        _probing = false;
        if (failure is null)
        {
            _open = false;
            ConsecutiveFailures = 0;
            return;
        }

        LastFailure = failure;
        _openedAt = time.GetTimestamp();
    }

    /// <summary>A run reached the engine and it did its part.</summary>
    public void Succeeded()
    {
        if (!_open)
        {
            ConsecutiveFailures = 0;
        }
    }

    /// <summary>An engine fault; returns true when this one opened the breaker.</summary>
    public bool Failed(string reason)
    {
        LastFailure = reason;
        ConsecutiveFailures++;
        if (_open || ConsecutiveFailures < options.FailuresToOpen)
        {
            return false;
        }

        _open = true;
        _openedAt = time.GetTimestamp();
        return true;
    }
}
