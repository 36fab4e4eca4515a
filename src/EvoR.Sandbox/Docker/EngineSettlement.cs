using EvoR.Sandbox.Backends;

namespace EvoR.Sandbox.Docker;

/// <summary>
/// What both container runners (<see cref="ContainerRunner"/>, one run per container, and
/// <see cref="Scopes.ScopedRunner"/>, runs reused within a scope) do once a program ended without the gate settling it:
/// ask the engine.
/// </summary>
internal static class EngineSettlement
{
    /// <summary>Settles a run on the engine's inspect: its OOMKilled flag, and its exit status where the wait gave
    /// none (unless the service killed it). The init process exits 128 + n when the program died of signal n. An OOM
    /// kill the gate's end frame counted (<see cref="GateEnd.OomKillCounted"/>) counts even when the engine's flag
    /// missed it: under cgroup v1 the engine can handle the exit before the OOM event.</summary>
    public static async Task<SandboxRun> SettleAsync(
        DockerEngine engine, string containerId, long? status, bool killed, DemuxedOutput output, RunSupervisor supervisor, TimeSpan duration)
    {
        var oomKilled = output.Ended is { IsCompletedSuccessfully: true, Result.OomKillCounted: true };
        try
        {
            var state = (await engine.InspectAsync(containerId, CancellationToken.None)).State;
            oomKilled |= state?.OOMKilled ?? false;
            status ??= killed ? null : state?.ExitCode;
        }
        catch (Exception e) when (engine.Describe(e, "") is { } reason)
        {
            if (!killed && status is null)
            {
                return new SandboxRun { SetupError = "the run's outcome could not be read: " + reason, DurationMs = (long)duration.TotalMilliseconds };
            }
        }

        return supervisor.Outcome((int?)status, killed, output.Overflowed, oomKilled, output.Stdout, output.Stderr, duration);
    }

    /// <summary>The end of a gate's stderr (300 characters at most), for a set-up error.</summary>
    public static string Tail(byte[] stderr)
    {
        var text = System.Text.Encoding.UTF8.GetString(stderr).Trim();
        return text.Length <= 300 ? text : "…" + text[^300..];
    }
}
