using System.Collections.Concurrent;

namespace EvoR.Sandbox.Process;

/// <summary>
/// Starts sandbox processes from one thread that lives as long as the service. bubblewrap's <c>--die-with-parent</c>
/// (PR_SET_PDEATHSIG) fires when the <em>thread</em> that forked it exits, not when the process does: a sandbox started
/// on a thread-pool thread was SIGKILLed mid-run whenever the pool retired that thread (a compile, the longest run,
/// ended "exit 137" with no output now and then). Started here, a sandbox still dies with the service, and only then.
/// </summary>
internal static class SandboxSpawner
{
    private static readonly BlockingCollection<(System.Diagnostics.Process Process, TaskCompletionSource Started)> Pending = [];

    static SandboxSpawner()
    {
        // A background thread: it must not keep a stopping service alive, and it never ends before the process does.
        new Thread(Spawn) { IsBackground = true, Name = "evor-sandbox-spawner" }.Start();
    }

    /// <summary>Starts the process on the spawner thread and returns once it has started; a failure to start is
    /// rethrown here as <see cref="System.Diagnostics.Process.Start()"/> would throw it.</summary>
    public static void Start(System.Diagnostics.Process process)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Pending.Add((process, started));
        started.Task.GetAwaiter().GetResult();
    }

    private static void Spawn()
    {
        foreach (var (process, started) in Pending.GetConsumingEnumerable())
        {
            try
            {
                process.Start();
                started.SetResult();
            }
            catch (Exception e)
            {
                started.SetException(e);
            }
        }
    }
}
