using EvoR.Sandbox;

namespace EvoR.Api.Tests.Support;

/// <summary>Answers the health check with <see cref="Report"/>, or throws <see cref="Failure"/>; can take
/// <see cref="Delay"/> (cancellable) or hang for good, ignoring cancellation (<see cref="Hang"/>).</summary>
public sealed class FakeHealthProbe : ISandboxHealthProbe
{
    public static readonly IReadOnlyList<LanguageInfo> Languages =
    [
        new() { Name = "python", Aliases = ["py", "python3"], Compiled = false, Version = "Python 3.11.2", Available = true, SupportsScriptTests = true },
        new()
        {
            Name = "c", Aliases = ["gcc"], Compiled = true, Version = "gcc 12.2.0", Available = false, SupportsScriptTests = false,
            UnavailableReason = "c is not installed on this host ('gcc' not found; Debian package gcc libc6-dev): install it with `./evor.sh languages add c`.",
            Packages = ["gcc", "libc6-dev"],
        },
    ];

    private int _calls;

    public SandboxHealthReport Report { get; set; } = new() { Backend = "fake", Healthy = true, Languages = Languages };

    public Exception? Failure { get; set; }

    /// <summary>How long each check takes; it ends early when its caller cancels it.</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>When set, checks wait for it (and end early when their caller cancels them).</summary>
    public TaskCompletionSource? Gate { get; set; }

    /// <summary>Checks started from now on never end, whatever their caller asks.</summary>
    public bool Hang { get; set; }

    /// <summary>How many checks were started.</summary>
    public int Calls => Volatile.Read(ref _calls);

    public async Task<SandboxHealthReport> CheckAsync(CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _calls);
        if (Hang)
        {
            await Task.Delay(Timeout.Infinite, CancellationToken.None);
        }

        if (Gate is { } gate)
        {
            await gate.Task.WaitAsync(cancellationToken);
        }

        if (Delay > TimeSpan.Zero)
        {
            await Task.Delay(Delay, cancellationToken);
        }

        return Failure is null ? Report : throw Failure;
    }
}
