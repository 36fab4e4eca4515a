using System.Diagnostics;
using System.Text;
using EvoR.Sandbox.Backends;
using EvoR.Sandbox.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EvoR.Sandbox.Process;

/// <summary>
/// The default backend: each run is a fresh bubblewrap sandbox (<see cref="BubblewrapCommand"/>: new user, pid,
/// network, ipc, uts, cgroup and mount namespaces; read-only system directories; size-limited tmpfs scratch mounts; an
/// unprivileged uid; no capabilities; a seccomp filter; an environment allow-list; when the service is root, an
/// unprivileged host uid; rlimits; memory and pids cgroups) on a host prepared once (<see cref="ProcessHostSetup"/>).
/// Sandboxes are set up ahead of the run (<see cref="WarmSandboxPool"/>) and released by a go line. The wall timer and
/// the output caps live here, outside the sandbox (<see cref="RunSupervisor"/>). Killing the outer bubblewrap takes its
/// pid namespace down with it (the namespace's init dies and the kernel kills every member), and the cgroup sweep
/// catches anything else.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ProcessSandboxBackend(
    IOptions<SandboxOptions> options,
    TimeProvider time,
    ILogger<ProcessSandboxBackend> logger) : ISandboxBackend, IAsyncDisposable, IDisposable
{
    // Outer bubblewrap, its pid-1 init and the program: the pids cgroup must leave room for the first two.
    private const int LauncherProcesses = 2;

    private readonly ProcessSandboxOptions _options = options.Value.Process;
    private readonly SemaphoreSlim _initLock = new(1, 1);
    private ProcessHostState? _state;
    private WarmSandboxPool? _pool;
    private readonly HashSet<Task> _discarding = [];

    public string Name => "process";

    public bool CgroupLimits => _state?.Cgroups is not null;

    /// <summary>Finds the tools and prepares the shared files once; the result (or its error) is kept.</summary>
    public async Task<ProcessHostState> InitializeAsync()
    {
        if (_state is not null)
        {
            return _state;
        }

        await _initLock.WaitAsync();
        try
        {
            if (_state is null)
            {
                _state = await ProcessHostSetup.CreateAsync(_options, time, logger);
                _pool = new WarmSandboxPool(_options.WarmSandboxes, _options.WarmProfiles, DiscardAsync);
            }

            return _state;
        }
        finally
        {
            _initLock.Release();
        }
    }

    public async Task<SandboxRun> RunAsync(SandboxRunSpec spec, CancellationToken cancellationToken)
    {
        var state = await InitializeAsync();
        if (state.Error is not null)
        {
            // Found once at start (bubblewrap missing, no usable user namespaces) and kept: no retry changes it.
            return new SandboxRun { SetupError = state.Error, Fault = SandboxFault.Installation };
        }

        PreparedSandbox? sandbox = null;
        var key = _options.WarmSandboxes > 0 ? WarmSandboxPool.KeyOf(spec, state, BubblewrapCommand.WarmRunner(spec, _options)) : null;
        try
        {
            sandbox = key is null ? null : _pool!.TryTake(key);
            if (sandbox is not null && sandbox.Process.HasExited)
            {
                // Died while waiting (it never ran anything): start a fresh one instead.
                await DiscardAsync(sandbox);
                sandbox = null;
            }

            sandbox ??= Prepare(state, spec);
            return await GoAsync(sandbox, spec, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception)
        {
            return new SandboxRun { SetupError = $"the process sandbox could not start: {e.Message}" };
        }
        finally
        {
            if (sandbox is not null)
            {
                // By now every process of the run is gone (its pid namespace dies only once all members have exited);
                // removing cgroups and files need not delay the verdict.
                DiscardInBackground(sandbox);
            }

            if (key is not null)
            {
                // Refilled once the run is over, not while it runs: setting up a sandbox (namespaces, mounts, cgroups)
                // costs CPU that a trivial run on a small machine would otherwise share with its own setup work.
                _pool!.Refill(key, () => Prepare(state, spec));
            }
        }
    }

    private void DiscardInBackground(PreparedSandbox sandbox)
    {
        var task = DiscardAsync(sandbox);
        lock (_discarding)
        {
            _discarding.Add(task);
        }

        _ = task.ContinueWith(
            done =>
            {
                lock (_discarding)
                {
                    _discarding.Remove(done);
                }
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    /// <summary>
    /// Starts a sandbox up to the point where everything is set up (namespaces, mounts, rlimits, cgroups) and a stub
    /// inside waits for one line on stdin before it becomes the program. Setting up is most of a trivial run's cost,
    /// so the warm pool does it ahead of time; the wall timer only starts at <see cref="GoAsync"/>.
    /// </summary>
    private PreparedSandbox Prepare(ProcessHostState state, SandboxRunSpec spec)
    {
        // The owner's pid leads the name, so a later start can tell leftovers of a dead service from live runs of
        // another service sharing this host (test processes run side by side).
        var id = LeftoverSweep.NewRunName();
        var runDir = Path.Combine(state.RunsRoot, id);
        var appDir = Path.Combine(runDir, "app");
        Directory.CreateDirectory(appDir);
        File.SetUnixFileMode(runDir, ProcessHostSetup.TraverseOnly);
        File.SetUnixFileMode(appDir, ProcessHostSetup.TraverseOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        CgroupV1Scope? cgroup = null;
        try
        {
            cgroup = state.Cgroups?.Create(id, spec.Limits.MemoryMb, spec.Limits.MaxProcesses + LauncherProcesses);
            var statusPath = Path.Combine(runDir, "status.json");
            var paths = new BubblewrapRunPaths(appDir, statusPath, cgroup?.ProcsFiles ?? []);
            var startInfo = new ProcessStartInfo(BubblewrapCommand.Shell)
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            startInfo.Environment.Clear();
            startInfo.Environment["PATH"] = BubblewrapCommand.LauncherPath;
            foreach (var arg in BubblewrapCommand.Build(state, _options, spec, paths))
            {
                startInfo.ArgumentList.Add(arg);
            }

            var process = new System.Diagnostics.Process { StartInfo = startInfo };
            lock (PreparedSandbox.ForkGate)
            {
                // Never on this thread: bubblewrap dies with the thread that forked it (SandboxSpawner says why).
                SandboxSpawner.Start(process);
            }

            return new PreparedSandbox(runDir, statusPath, cgroup, process);
        }
        catch
        {
            cgroup?.KillAll();
            LeftoverSweep.TryDeleteDirectory(runDir);
            throw;
        }
    }

    private async Task<SandboxRun> GoAsync(PreparedSandbox sandbox, SandboxRunSpec spec, CancellationToken cancellationToken)
    {
        await sandbox.WriteFilesAsync(spec.Files, cancellationToken);

        var limits = spec.Limits;
        sandbox.Cgroup?.SetLimits(limits.MemoryMb, limits.MaxProcesses + LauncherProcesses);
        var process = sandbox.Process;
        using var supervisor = new RunSupervisor(TimeSpan.FromMilliseconds(limits.TimeoutMs), time, cancellationToken);
        var stdoutTask = CappedReader.ReadAsync(process.StandardOutput.BaseStream, spec.StdoutCapBytes ?? limits.OutputBytes, spec.OutputAllowance, supervisor.Overflowed);
        var stderrTask = CappedReader.ReadAsync(process.StandardError.BaseStream, limits.OutputBytes, spec.OutputAllowance, supervisor.Overflowed);
        var stdinTask = sandbox.WriteStdinAsync(spec.Stdin);

        var killed = false;
        try
        {
            await process.WaitForExitAsync(supervisor.Stop);
        }
        catch (OperationCanceledException)
        {
            killed = true;
            sandbox.Kill();
            await process.WaitForExitAsync(CancellationToken.None);
            if (sandbox.Cgroup is not null)
            {
                // The outer bubblewrap died first; its namespace's members die a moment later. The verdict waits for
                // them, so "killed" means gone.
                await sandbox.Cgroup.WaitEmptyAsync(time, TimeSpan.FromSeconds(5));
            }
        }

        var duration = supervisor.Elapsed;

        // The pid namespace is gone with its init, so the pipes close now.
        sandbox.Cgroup?.KillAll();
        await supervisor.DrainAsync(Task.WhenAll(stdoutTask, stderrTask, stdinTask), () =>
        {
            process.StandardOutput.BaseStream.Dispose();
            process.StandardError.BaseStream.Dispose();
        });

        cancellationToken.ThrowIfCancellationRequested();

        var (stdout, stdoutOverflow) = await stdoutTask;
        var (stderr, stderrOverflow) = await stderrTask;
        var status = await BubblewrapStatus.ReadAsync(sandbox.StatusPath);
        if (status.ChildPid is null)
        {
            var reason = Encoding.UTF8.GetString(stderr).Trim();
            return new SandboxRun
            {
                SetupError = $"bubblewrap did not start the program (exit {process.ExitCode}): {(reason.Length > 0 ? reason : "no message")}",
                DurationMs = (long)duration.TotalMilliseconds,
            };
        }

        return supervisor.Outcome(status.ExitCode ?? process.ExitCode, killed, stdoutOverflow || stderrOverflow,
            sandbox.Cgroup?.OomKilled() ?? false, stdout, stderr, duration);
    }

    /// <summary>Kills whatever is left of a sandbox (used or never used) and removes its cgroups and files.</summary>
    private async Task DiscardAsync(PreparedSandbox sandbox)
    {
        sandbox.Kill();
        if (sandbox.Cgroup is not null && await sandbox.Cgroup.RemoveAsync(time) is { } error)
        {
            Log.CgroupCleanupFailed(logger, sandbox.Cgroup.MemoryPath, error);
        }

        try
        {
            await sandbox.Process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5), time);
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
        }

        sandbox.Process.Dispose();
        LeftoverSweep.TryDeleteDirectory(sandbox.RunDir);
    }

    public async ValueTask DisposeAsync()
    {
        if (_pool is not null)
        {
            await _pool.DisposeAsync();
        }

        Task[] pending;
        lock (_discarding)
        {
            pending = [.. _discarding];
        }

        await Task.WhenAll(pending);

        _initLock.Dispose();
    }

    public void Dispose()
    {
        // Synchronous disposal (a provider disposed with Dispose): kill what is warm; its files and cgroups are
        // removed by the next start's leftover sweep.
        _pool?.KillAll();
        _initLock.Dispose();
    }
}
