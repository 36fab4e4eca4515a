using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using EvoR.Sandbox.Backends;
using EvoR.Sandbox.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using static System.FormattableString;

namespace EvoR.Sandbox.Process;

/// <summary>
/// The default backend: each run is a fresh bubblewrap sandbox — new user, pid, network, ipc, uts, cgroup and mount
/// namespaces; read-only system directories; size-limited tmpfs scratch mounts; an unprivileged uid; no capabilities;
/// a seccomp filter; an environment allow-list; when the service is root, an unprivileged host uid (<c>setpriv</c>); rlimits set by <c>prlimit</c>; memory and pids cgroups. The wall timer
/// and the kill live here, outside the sandbox. Killing the outer bubblewrap takes its pid namespace down with it
/// (the namespace's init dies and the kernel kills every member), and the cgroup sweep catches anything else.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed partial class ProcessSandboxBackend(
    IOptions<SandboxOptions> options,
    TimeProvider time,
    ILogger<ProcessSandboxBackend> logger) : ISandboxBackend, IAsyncDisposable, IDisposable
{
    // The launcher writes its pid into the run's cgroups (before anything untrusted exists), then becomes prlimit,
    // which becomes bubblewrap with fd 3 = status file and fd 4 = seccomp program. .NET cannot pass extra fds to a
    // child, so the shell opens them.
    private const string LauncherScript = """
        status=$1; seccomp=$2; shift 2
        while [ "$1" != "--" ]; do echo $$ > "$1" || exit 125; shift; done
        shift
        if [ -n "$seccomp" ]; then exec "$@" 3>"$status" 4<"$seccomp"; fi
        exec "$@" 3>"$status"
        """;

    // Outer bubblewrap, its pid-1 init and the program: the pids cgroup must leave room for the first two.
    private const int LauncherProcesses = 2;

    // Exit status of a stub whose go line never came.
    private const int StubAbandoned = 97;

    private static readonly byte[] GoLine = "\n"u8.ToArray();

    private static readonly string[] RootLinks = ["bin", "sbin", "lib", "lib32", "lib64", "libx32"];

    // Work root, runs folder and run folders: the sandbox's host uid may pass through (bubblewrap binds the app folder
    // and the passwd and group files from there) but not list them.
    private const UnixFileMode TraverseOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    private const UnixFileMode Readable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    private static readonly string[] EtcFiles =
        ["/etc/alternatives", "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime"];

    private readonly ProcessSandboxOptions _options = options.Value.Process;
    private readonly SemaphoreSlim _initLock = new(1, 1);
    private BackendState? _state;
    private WarmSandboxPool? _pool;
    private readonly HashSet<Task> _discarding = [];
    private static readonly Lock ForkGate = new();

    public string Name => "process";

    public bool CgroupLimits => _state?.Cgroups is not null;

    /// <summary>Finds the tools and prepares the shared files once; the result (or its error) is kept.</summary>
    public async Task<BackendState> InitializeAsync()
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
                _state = await CreateStateAsync();
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
            return new SandboxRun { SetupError = state.Error };
        }

        PreparedSandbox? sandbox = null;
        var key = _options.WarmSandboxes > 0 ? WarmKey(spec, state, WarmRunner(spec)) : null;
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
    private PreparedSandbox Prepare(BackendState state, SandboxRunSpec spec)
    {
        // The owner's pid leads the name, so a later start can tell leftovers of a dead service from live runs of
        // another service sharing this host (test processes run side by side).
        var id = Invariant($"{System.Environment.ProcessId}-{Guid.NewGuid():N}")[..24];
        var runDir = Path.Combine(state.WorkRoot, "runs", id);
        var appDir = Path.Combine(runDir, "app");
        Directory.CreateDirectory(appDir);
        File.SetUnixFileMode(runDir, TraverseOnly);
        File.SetUnixFileMode(appDir, TraverseOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        CgroupV1Scope? cgroup = null;
        try
        {
            cgroup = state.Cgroups?.Create(id, spec.Limits.MemoryMb, spec.Limits.MaxProcesses + LauncherProcesses);
            var statusPath = Path.Combine(runDir, "status.json");
            var process = new System.Diagnostics.Process { StartInfo = BuildStartInfo(state, spec, appDir, statusPath, cgroup) };
            lock (ForkGate)
            {
                process.Start();
            }

            return new PreparedSandbox(runDir, statusPath, cgroup, process);
        }
        catch
        {
            cgroup?.KillAll();
            TryDeleteDirectory(runDir);
            throw;
        }
    }

    private async Task<SandboxRun> GoAsync(PreparedSandbox sandbox, SandboxRunSpec spec, CancellationToken cancellationToken)
    {
        foreach (var file in spec.Files)
        {
            var path = Path.Combine(sandbox.AppDir, SafeFileName(file.Name));
            if (!file.Executable)
            {
                await File.WriteAllBytesAsync(path, file.Content, cancellationToken);
                File.SetUnixFileMode(path, Readable);
                continue;
            }

            // A process forked meanwhile (the warm pool refills in the background) holds a copy of our write handle
            // until it execs, and executing a file open for writing fails with ETXTBSY: no fork while we write one.
            lock (ForkGate)
            {
                File.WriteAllBytes(path, file.Content);
            }

            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead
                | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }

        var limits = spec.Limits;
        sandbox.Cgroup?.SetLimits(limits.MemoryMb, limits.MaxProcesses + LauncherProcesses);
        var process = sandbox.Process;
        using var overflow = new CancellationTokenSource();
        using var wall = new CancellationTokenSource(TimeSpan.FromMilliseconds(limits.TimeoutMs), time);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(wall.Token, overflow.Token, cancellationToken);

        var started = time.GetTimestamp();
        var stdoutTask = CappedReader.ReadAsync(process.StandardOutput.BaseStream, spec.StdoutCapBytes ?? limits.OutputBytes, spec.OutputAllowance, Overflowed);
        var stderrTask = CappedReader.ReadAsync(process.StandardError.BaseStream, limits.OutputBytes, spec.OutputAllowance, Overflowed);
        var stdinTask = WriteStdinAsync(process.StandardInput.BaseStream, spec.Stdin);

        var killed = false;
        try
        {
            await process.WaitForExitAsync(stop.Token);
        }
        catch (OperationCanceledException)
        {
            killed = true;
            Kill(process, sandbox.Cgroup);
            await process.WaitForExitAsync(CancellationToken.None);
            if (sandbox.Cgroup is not null)
            {
                // The outer bubblewrap died first; its namespace's members die a moment later. The verdict waits for
                // them, so "killed" means gone.
                await sandbox.Cgroup.WaitEmptyAsync(time, TimeSpan.FromSeconds(5));
            }
        }

        var duration = time.GetElapsedTime(started);

        // The pid namespace is gone with its init, so the pipes close now; the grace only guards against a surprise.
        sandbox.Cgroup?.KillAll();
        var readers = Task.WhenAll(stdoutTask, stderrTask, stdinTask);
        try
        {
            await readers.WaitAsync(TimeSpan.FromSeconds(2), time, CancellationToken.None);
        }
        catch (TimeoutException)
        {
            process.StandardOutput.BaseStream.Dispose();
            process.StandardError.BaseStream.Dispose();
            await readers;
        }

        cancellationToken.ThrowIfCancellationRequested();

        var (stdout, stdoutOverflow) = await stdoutTask;
        var (stderr, stderrOverflow) = await stderrTask;
        var status = await ReadStatusAsync(sandbox.StatusPath);
        var outputExceeded = stdoutOverflow || stderrOverflow;
        if (status.ChildPid is null)
        {
            var reason = Encoding.UTF8.GetString(stderr).Trim();
            return new SandboxRun
            {
                SetupError = $"bubblewrap did not start the program (exit {process.ExitCode}): {(reason.Length > 0 ? reason : "no message")}",
                DurationMs = (long)duration.TotalMilliseconds,
            };
        }

        var exitCode = killed ? (int?)null : status.ExitCode ?? process.ExitCode;
        return new SandboxRun
        {
            ExitCode = exitCode,
            Signal = exitCode is > 128 and <= 128 + 64 ? exitCode - 128 : null,
            TimedOut = killed && wall.IsCancellationRequested && !overflow.IsCancellationRequested,
            OutputLimitExceeded = outputExceeded,
            OomKilled = sandbox.Cgroup?.OomKilled() ?? false,
            Stdout = stdout,
            Stderr = stderr,
            Truncated = outputExceeded,
            DurationMs = (long)duration.TotalMilliseconds,
        };

        void Overflowed()
        {
            try
            {
                overflow.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    /// <summary>Kills whatever is left of a sandbox (used or never used) and removes its cgroups and files.</summary>
    private async Task DiscardAsync(PreparedSandbox sandbox)
    {
        Kill(sandbox.Process, sandbox.Cgroup);
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
        TryDeleteDirectory(sandbox.RunDir);
    }

    /// <summary>
    /// Runs that can share a warm sandbox: same command, environment, mounts and spawn-time limits (rlimits, tmpfs
    /// sizes; memory too when it is an rlimit). Memory and process counts in cgroups, the wall timer and the output
    /// caps are applied at start, so they do not split the pool. Null: not poolable.
    /// </summary>
    private static string? WarmKey(SandboxRunSpec spec, BackendState state, IReadOnlyList<string>? warmRunner)
    {
        var l = spec.Limits;
        var key = new StringBuilder();
        foreach (var part in (warmRunner ?? spec.Command).Append("\u0001")
            .Concat(spec.Environment.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => e.Key + "=" + e.Value))
            .Append("\u0001").Concat(spec.HostPaths))
        {
            key.Append(part).Append('\u0000');
        }

        key.Append(CultureInfo.InvariantCulture, $"{l.CpuTimeMs}/{l.FileSizeMb}/{l.OpenFiles}/{l.ScratchMb}/{(state.Cgroups is null ? l.MemoryMb : 0)}");
        return key.ToString();
    }

    private ProcessStartInfo BuildStartInfo(
        BackendState state, SandboxRunSpec spec, string appDir, string statusPath, CgroupV1Scope? cgroup)
    {
        var limits = spec.Limits;
        var startInfo = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        // Nothing of the service's environment reaches even bubblewrap's own init (its /proc/1/environ is readable).
        startInfo.Environment.Clear();
        startInfo.Environment["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin";

        var a = startInfo.ArgumentList;
        a.Add("-c");
        a.Add(LauncherScript);
        a.Add("evor-launch");
        a.Add(statusPath);
        a.Add(state.SeccompPath ?? "");
        foreach (var procs in cgroup?.ProcsFiles ?? [])
        {
            a.Add(procs);
        }

        a.Add("--");

        var cpuSeconds = Math.Max(1, (limits.CpuTimeMs + 999) / 1000);
        a.Add(state.Prlimit);
        a.Add(Invariant($"--cpu={cpuSeconds}:{cpuSeconds + 1}"));
        a.Add(Invariant($"--fsize={(long)limits.FileSizeMb * 1024 * 1024}"));
        a.Add(Invariant($"--nofile={limits.OpenFiles}"));
        a.Add("--core=0");
        if (cgroup is null)
        {
            // Without a memory cgroup the address-space limit is the only memory bound there is.
            a.Add(Invariant($"--as={(long)limits.MemoryMb * 1024 * 1024}"));
        }

        a.Add("--");

        if (state.Setpriv is not null)
        {
            // The service is root: bubblewrap and the program run as an unprivileged host user, so that root-only host
            // files among the bound paths stay closed to them (a user namespace alone maps the program to host root).
            var hostUid = _options.HostUid.ToString(CultureInfo.InvariantCulture);
            Add(a, state.Setpriv, "--reuid=" + hostUid, "--regid=" + hostUid, "--clear-groups", "--");
        }

        a.Add(state.Bubblewrap);
        foreach (var ns in new[] { "--unshare-user", "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup" })
        {
            a.Add(ns);
        }

        if (state.DisableUserns)
        {
            a.Add("--disable-userns");
        }

        Add(a, "--die-with-parent", "--new-session", "--cap-drop", "ALL");
        var uid = _options.SandboxUid.ToString(CultureInfo.InvariantCulture);
        Add(a, "--uid", uid, "--gid", uid, "--hostname", "sandbox");
        a.Add("--clearenv");
        foreach (var (name, value) in spec.Environment)
        {
            Add(a, "--setenv", name, value);
        }

        Add(a, "--ro-bind", "/usr", "/usr");
        foreach (var name in RootLinks)
        {
            var path = "/" + name;
            var info = new FileInfo(path);
            if (info.LinkTarget is { } target)
            {
                Add(a, "--symlink", target, path);
            }
            else if (Directory.Exists(path))
            {
                Add(a, "--ro-bind", path, path);
            }
        }

        foreach (var path in EtcFiles.Concat(spec.HostPaths).Concat(_options.ExtraReadOnlyPaths))
        {
            Add(a, "--ro-bind-try", path, path);
        }

        Add(a, "--ro-bind", state.PasswdPath, "/etc/passwd", "--ro-bind", state.GroupPath, "/etc/group");
        Add(a, "--ro-bind", appDir, "/app");
        // bubblewrap leaves the new procfs's /proc/sys writable inside a user namespace (the sandbox "owns" its uts
        // and ipc sysctls); a read-only bind of it makes every sysctl write fail with EROFS.
        Add(a, "--proc", "/proc", "--ro-bind", "/proc/sys", "/proc/sys", "--dev", "/dev");
        var scratch = ((long)limits.ScratchMb * 1024 * 1024).ToString(CultureInfo.InvariantCulture);
        Add(a, "--size", scratch, "--perms", "0755", "--tmpfs", "/work");
        foreach (var dir in new[] { "/tmp", "/var/tmp", "/dev/shm" })
        {
            Add(a, "--size", scratch, "--perms", "1777", "--tmpfs", dir);
        }

        // After the scratch mounts, so that nothing of theirs hides a library; a name is a single path segment.
        foreach (var (name, hostPath) in _options.Libraries)
        {
            if (name.Length == 0 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                throw new InvalidOperationException($"Sandbox:Process:Libraries:{name}: a library name is letters, digits, '-' and '_'.");
            }

            Add(a, "--ro-bind", hostPath, "/libraries/" + name);
        }

        Add(a, "--remount-ro", "/", "--chdir", "/work", "--json-status-fd", "3");
        if (state.SeccompPath is not null)
        {
            Add(a, "--seccomp", "4");
        }

        a.Add("--");
        if (WarmRunner(spec) is { } runner)
        {
            // The language's warm runner starts its runtime now and waits for the go line itself.
            foreach (var arg in runner)
            {
                a.Add(arg);
            }

            return startInfo;
        }

        // The stub: wait for the go line (EOF means the service is gone: leave without running anything), then become
        // the program, which reads the rest of stdin as its own.
        // bubblewrap exports PWD at --chdir; the environment is the allow-list only, so the stub drops it.
        Add(a, "/bin/sh", "-c", Invariant($"read -r _ || exit {StubAbandoned}; unset PWD OLDPWD; exec \"$@\""), "evor-stub");
        foreach (var arg in spec.Command)
        {
            a.Add(arg);
        }

        return startInfo;
    }

    /// <summary>The warm runner this run starts with, when its language has one and they are on.</summary>
    private IReadOnlyList<string>? WarmRunner(SandboxRunSpec spec) =>
        _options.WarmRunners && spec.WarmCommand is { Count: > 0 } runner ? runner : null;

    private static void Add(IList<string> list, params string[] items)
    {
        foreach (var item in items)
        {
            list.Add(item);
        }
    }


    private static void Kill(System.Diagnostics.Process process, CgroupV1Scope? cgroup)
    {
        // SIGKILL to the outer bubblewrap takes the pid namespace down (its init has PDEATHSIG), far faster than a walk
        // of the process tree while a fork bomb keeps growing it; the cgroup sweep catches the rest.
        try
        {
            if (!process.HasExited)
            {
                _ = NativeMethods.Kill(process.Id, NativeMethods.SigKill);
            }
        }
        catch (InvalidOperationException)
        {
            // Already exited and reaped.
        }

        cgroup?.KillAll();
    }

    private static async Task WriteStdinAsync(Stream stdin, byte[]? input)
    {
        try
        {
            await stdin.WriteAsync(GoLine);
            await stdin.FlushAsync();
            if (input is { Length: > 0 })
            {
                await stdin.WriteAsync(input);
            }
        }
        catch (IOException)
        {
            // The program exited or closed stdin without reading it all: not our concern.
        }
        finally
        {
            try
            {
                await stdin.DisposeAsync();
            }
            catch (IOException)
            {
            }
        }
    }

    private static async Task<(int? ChildPid, int? ExitCode)> ReadStatusAsync(string path)
    {
        if (!File.Exists(path))
        {
            return (null, null);
        }

        var text = await File.ReadAllTextAsync(path);
        var child = ChildPidPattern().Match(text);
        var exit = ExitCodePattern().Match(text);
        return (child.Success ? int.Parse(child.Groups[1].ValueSpan, CultureInfo.InvariantCulture) : null,
            exit.Success ? int.Parse(exit.Groups[1].ValueSpan, CultureInfo.InvariantCulture) : null);
    }

    private static string SafeFileName(string name) =>
        name.Length > 0 && name.IndexOfAny(['/', '\0']) < 0 && name is not "." and not ".."
            ? name
            : throw new ArgumentException($"'{name}' is not a plain file name.", nameof(name));

    private static void TryDeleteDirectory(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    private async Task<BackendState> CreateStateAsync()
    {
        // A root service's sandboxes run as HostUid, which must pass through the work root: its own default folder, so that
        // no service sharing this host with other settings (or an older version) changes the modes under it.
        var dropsRoot = NativeMethods.GetEffectiveUid() == 0;
        var workRoot = _options.WorkRoot ?? Path.Combine(Path.GetTempPath(),
            dropsRoot ? Invariant($"evor-sandbox-{_options.HostUid}") : "evor-sandbox");
        var bubblewrap = FindExecutable(_options.BubblewrapPath);
        var prlimit = FindExecutable(_options.PrlimitPath);
        if (bubblewrap is null || prlimit is null)
        {
            var missing = bubblewrap is null
                ? $"bubblewrap ('{_options.BubblewrapPath}') was not found on PATH: install the 'bubblewrap' package"
                : $"prlimit ('{_options.PrlimitPath}') was not found on PATH: install the 'util-linux' package";
            return new BackendState { Error = missing, WorkRoot = workRoot };
        }

        string? setpriv = null;
        if (dropsRoot)
        {
            setpriv = FindExecutable(_options.SetprivPath);
            if (setpriv is null)
            {
                return new BackendState
                {
                    Error = $"the service runs as root and setpriv ('{_options.SetprivPath}') was not found on PATH to drop to uid {_options.HostUid}: install the 'util-linux' package",
                    WorkRoot = workRoot,
                };
            }
        }

        Directory.CreateDirectory(workRoot);
        File.SetUnixFileMode(workRoot, TraverseOnly);
        if (setpriv is not null && ClosedAncestor(workRoot) is { } closed)
        {
            return new BackendState
            {
                Error = $"the sandbox's host uid {_options.HostUid} cannot pass through '{closed}' to the work root '{workRoot}' (Sandbox:Process:WorkRoot): give it o+x, or choose another work root",
                WorkRoot = workRoot,
            };
        }

        var runs = Path.Combine(workRoot, "runs");
        Directory.CreateDirectory(runs);
        File.SetUnixFileMode(runs, TraverseOnly);
        var uid = _options.SandboxUid;
        var passwd = Path.Combine(workRoot, "passwd");
        var group = Path.Combine(workRoot, "group");
        await WriteSharedFileAsync(passwd, Encoding.UTF8.GetBytes(Invariant($"root:x:0:0:root:/:/usr/sbin/nologin\nsandbox:x:{uid}:{uid}:sandbox:/work:/bin/sh\n")));
        await WriteSharedFileAsync(group, Encoding.UTF8.GetBytes(Invariant($"root:x:0:\nsandbox:x:{uid}:\n")));

        string? seccomp = null;
        if (SeccompFilter.IsSupported)
        {
            seccomp = Path.Combine(workRoot, "seccomp.bpf");
            await WriteSharedFileAsync(seccomp, SeccompFilter.BuildX8664());
        }
        else
        {
            Log.SeccompUnavailable(logger, System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString());
        }

        CgroupV1? cgroups = null;
        if (_options.UseCgroups)
        {
            var candidate = new CgroupV1(_options.CgroupMount, _options.CgroupParent);
            if (await candidate.TryInitializeAsync(time) is { } reason)
            {
                Log.CgroupsUnavailable(logger, reason);
            }
            else
            {
                cgroups = candidate;
            }
        }

        var leftovers = await RemoveLeftoversAsync(workRoot, cgroups);
        if (leftovers > 0)
        {
            Log.LeftoversRemoved(logger, leftovers);
        }

        Log.ProcessBackendReady(logger, bubblewrap, cgroups is not null, seccomp is not null, workRoot);
        return new BackendState
        {
            WorkRoot = workRoot,
            Bubblewrap = bubblewrap,
            Prlimit = prlimit,
            Setpriv = setpriv,
            PasswdPath = passwd,
            GroupPath = group,
            SeccompPath = seccomp,
            Cgroups = cgroups,
            DisableUserns = await SupportsDisableUsernsAsync(bubblewrap),
        };
    }

    /// <summary>The first folder above <paramref name="path"/> that others may not pass through (no o+x), or null.</summary>
    private static string? ClosedAncestor(string path)
    {
        for (var dir = Path.GetDirectoryName(Path.GetFullPath(path)); dir is not null; dir = Path.GetDirectoryName(dir))
        {
            if ((File.GetUnixFileMode(dir) & UnixFileMode.OtherExecute) == 0)
            {
                return dir;
            }
        }

        return null;
    }

    /// <summary>
    /// Replaces a file that live sandboxes of other services on this host (they share the work root) may be reading:
    /// written beside it and renamed over it, so a reader sees the old or the new content, never a truncated one
    /// (a half-written seccomp program makes bubblewrap fail with EINVAL).
    /// </summary>
    private static async Task WriteSharedFileAsync(string path, byte[] content)
    {
        if (File.Exists(path) && (await File.ReadAllBytesAsync(path)).AsSpan().SequenceEqual(content))
        {
            return;
        }

        var temporary = Invariant($"{path}.{System.Environment.ProcessId}.{Guid.NewGuid():N}");
        await File.WriteAllBytesAsync(temporary, content);
        File.SetUnixFileMode(temporary, Readable);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Kills and removes the runs of services that died mid-run (their pid leads the run's name).</summary>
    private async Task<int> RemoveLeftoversAsync(string workRoot, CgroupV1? cgroups)
    {
        var removed = 0;
        foreach (var scope in cgroups?.Leftovers() ?? [])
        {
            if (!OwnerAlive(Path.GetFileName(scope.MemoryPath)) && await scope.RemoveAsync(time) is null)
            {
                removed++;
            }
        }

        var runs = Path.Combine(workRoot, "runs");
        if (Directory.Exists(runs))
        {
            foreach (var dir in Directory.EnumerateDirectories(runs).Where(d => !OwnerAlive(Path.GetFileName(d))))
            {
                TryDeleteDirectory(dir);
                removed++;
            }
        }

        return removed;
    }

    private static bool OwnerAlive(string runName)
    {
        var dash = runName.IndexOf('-', StringComparison.Ordinal);
        return dash > 0
            && int.TryParse(runName.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            && (pid == System.Environment.ProcessId || Directory.Exists(Invariant($"/proc/{pid}")));
    }

    private static async Task<bool> SupportsDisableUsernsAsync(string bubblewrap)
    {
        // --disable-userns arrived in bubblewrap 0.8.0; older ones reject the flag outright.
        var startInfo = new ProcessStartInfo(bubblewrap, "--version") { RedirectStandardOutput = true, UseShellExecute = false };
        using var process = System.Diagnostics.Process.Start(startInfo)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        var match = VersionPattern().Match(output);
        return match.Success && Version.TryParse(match.Value, out var version) && version >= new Version(0, 8, 0);
    }

    private static string? FindExecutable(string name)
    {
        if (Path.IsPathRooted(name))
        {
            return File.Exists(name) ? name : null;
        }

        var path = System.Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin";
        return path.Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/sbin", "/usr/bin", "/sbin", "/bin"])
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
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

    [GeneratedRegex("\"child-pid\"\\s*:\\s*(\\d+)")]
    private static partial Regex ChildPidPattern();

    [GeneratedRegex("\"exit-code\"\\s*:\\s*(\\d+)")]
    private static partial Regex ExitCodePattern();

    [GeneratedRegex(@"\d+\.\d+(\.\d+)?")]
    private static partial Regex VersionPattern();

    /// <summary>What the backend found at start.</summary>
    public sealed record BackendState
    {
        public string? Error { get; init; }
        public required string WorkRoot { get; init; }
        public string Bubblewrap { get; init; } = "";
        public string Prlimit { get; init; } = "";

        /// <summary>setpriv when the service is root (the sandbox drops to the host uid), else null.</summary>
        public string? Setpriv { get; init; }
        public string PasswdPath { get; init; } = "";
        public string GroupPath { get; init; } = "";
        public string? SeccompPath { get; init; }
        public CgroupV1? Cgroups { get; init; }
        public bool DisableUserns { get; init; }
    }
}
