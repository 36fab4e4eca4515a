using System.Globalization;
using EvoR.Sandbox.Backends;
using static System.FormattableString;

namespace EvoR.Sandbox.Process;

/// <summary>Where one run's sandbox lives on the host: its <c>/app</c> folder, the file bubblewrap writes its status
/// to, and the cgroup <c>procs</c> files the launcher joins (empty without cgroups).</summary>
internal sealed record BubblewrapRunPaths(string AppDir, string StatusPath, IReadOnlyList<string> CgroupProcsFiles)
{
    /// <summary>Whether the run has cgroups (then memory is bounded there, not by RLIMIT_AS).</summary>
    public bool HasCgroups => CgroupProcsFiles.Count > 0;
}

/// <summary>
/// The command line of one process-backend run, built from data only (no file system, no processes), so every flag
/// the threat model relies on is checked by table-driven tests. The chain is: a launcher shell (joins the cgroups,
/// opens the status and seccomp fds) → prlimit (rlimits) → setpriv when the service is root → bubblewrap (namespaces,
/// mounts, uid, seccomp) → the stub or the language's warm runner, which waits for the go line → the program.
/// </summary>
internal static class BubblewrapCommand
{
    /// <summary>The launcher writes its pid into the run's cgroups (before anything untrusted exists), then becomes
    /// prlimit, which becomes bubblewrap with fd 3 = status file and fd 4 = seccomp program. .NET cannot pass extra fds
    /// to a child, so the shell opens them.</summary>
    public const string LauncherScript = """
        status=$1; seccomp=$2; shift 2
        while [ "$1" != "--" ]; do echo $$ > "$1" || exit 125; shift; done
        shift
        if [ -n "$seccomp" ]; then exec "$@" 3>"$status" 4<"$seccomp"; fi
        exec "$@" 3>"$status"
        """;

    /// <summary>Exit status of a stub whose go line never came.</summary>
    public const int StubAbandoned = 97;

    /// <summary>The launcher's program; it gets only this PATH (nothing of the service's environment reaches even
    /// bubblewrap's own init, whose /proc/1/environ is readable).</summary>
    public const string Shell = "/bin/sh";

    public const string LauncherPath = "/usr/sbin:/usr/bin:/sbin:/bin";

    private static readonly string[] Namespaces =
        ["--unshare-user", "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup"];

    private static readonly string[] EtcFiles =
        ["/etc/alternatives", "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime"];

    private static readonly string[] SharedScratch = ["/tmp", "/var/tmp", "/dev/shm"];

    /// <summary>The warm runner this run starts with, when its language has one and they are on.</summary>
    public static IReadOnlyList<string>? WarmRunner(SandboxRunSpec spec, ProcessSandboxOptions options) =>
        options.WarmRunners && spec.WarmCommand is { Count: > 0 } runner ? runner : null;

    /// <summary>The arguments of <see cref="Shell"/> for one run.</summary>
    /// <exception cref="InvalidOperationException">A library name is not a single path segment.</exception>
    public static IReadOnlyList<string> Build(
        ProcessHostState host, ProcessSandboxOptions options, SandboxRunSpec spec, BubblewrapRunPaths run)
    {
        var limits = spec.Limits;
        var a = new List<string> { "-c", LauncherScript, "evor-launch", run.StatusPath, host.SeccompPath ?? "" };
        a.AddRange(run.CgroupProcsFiles);
        a.Add("--");

        var cpuSeconds = Math.Max(1, (limits.CpuTimeMs + 999) / 1000);
        a.Add(host.Prlimit);
        a.Add(Invariant($"--cpu={cpuSeconds}:{cpuSeconds + 1}"));
        a.Add(Invariant($"--fsize={(long)limits.FileSizeMb * 1024 * 1024}"));
        a.Add(Invariant($"--nofile={limits.OpenFiles}"));
        a.Add("--core=0");
        if (!run.HasCgroups)
        {
            // Without a memory cgroup the address-space limit is the only memory bound there is.
            a.Add(Invariant($"--as={(long)limits.MemoryMb * 1024 * 1024}"));
        }

        a.Add("--");

        if (host.Setpriv is not null)
        {
            // The service is root: bubblewrap and the program run as an unprivileged host user, so that root-only host
            // files among the bound paths stay closed to them (a user namespace alone maps the program to host root).
            var hostUid = options.HostUid.ToString(CultureInfo.InvariantCulture);
            a.AddRange([host.Setpriv, "--reuid=" + hostUid, "--regid=" + hostUid, "--clear-groups", "--"]);
        }

        a.Add(host.Bubblewrap);
        a.AddRange(Namespaces);
        if (host.DisableUserns)
        {
            a.Add("--disable-userns");
        }

        a.AddRange(["--die-with-parent", "--new-session", "--cap-drop", "ALL"]);
        var uid = options.SandboxUid.ToString(CultureInfo.InvariantCulture);
        a.AddRange(["--uid", uid, "--gid", uid, "--hostname", "sandbox", "--clearenv"]);
        foreach (var (name, value) in spec.Environment)
        {
            a.AddRange(["--setenv", name, value]);
        }

        a.AddRange(["--ro-bind", "/usr", "/usr"]);
        foreach (var entry in host.RootEntries)
        {
            a.AddRange(entry.LinkTarget is { } target ? ["--symlink", target, entry.Path] : ["--ro-bind", entry.Path, entry.Path]);
        }

        foreach (var path in EtcFiles.Concat(spec.HostPaths).Concat(options.ExtraReadOnlyPaths))
        {
            a.AddRange(["--ro-bind-try", path, path]);
        }

        a.AddRange(["--ro-bind", host.PasswdPath, "/etc/passwd", "--ro-bind", host.GroupPath, "/etc/group"]);
        a.AddRange(["--ro-bind", run.AppDir, "/app"]);
        // bubblewrap leaves the new procfs's /proc/sys writable inside a user namespace (the sandbox "owns" its uts
        // and ipc sysctls); a read-only bind of it makes every sysctl write fail with EROFS.
        a.AddRange(["--proc", "/proc", "--ro-bind", "/proc/sys", "/proc/sys", "--dev", "/dev"]);
        var scratch = ((long)limits.ScratchMb * 1024 * 1024).ToString(CultureInfo.InvariantCulture);
        a.AddRange(["--size", scratch, "--perms", "0755", "--tmpfs", "/work"]);
        foreach (var dir in SharedScratch)
        {
            a.AddRange(["--size", scratch, "--perms", "1777", "--tmpfs", dir]);
        }

        // After the scratch mounts, so that nothing of theirs hides a library; a name is a single path segment.
        foreach (var library in spec.Libraries)
        {
            if (Execution.NamedLibraries.NameProblem(library.Name) is { } problem)
            {
                throw new InvalidOperationException($"Sandbox:Libraries:{library.Name}: {problem}.");
            }

            a.AddRange(["--ro-bind", library.HostPath, library.SandboxPath]);
        }

        a.AddRange(["--remount-ro", "/", "--chdir", "/work", "--json-status-fd", "3"]);
        if (host.SeccompPath is not null)
        {
            a.AddRange(["--seccomp", "4"]);
        }

        a.Add("--");
        if (WarmRunner(spec, options) is { } runner)
        {
            // The language's warm runner starts its runtime now and waits for the go line itself.
            a.AddRange(runner);
            return a;
        }

        // The stub: wait for the go line (EOF means the service is gone: leave without running anything), then become
        // the program, which reads the rest of stdin as its own.
        // bubblewrap exports PWD at --chdir; the environment is the allow-list only, so the stub drops it.
        a.AddRange(["/bin/sh", "-c", Invariant($"read -r _ || exit {StubAbandoned}; unset PWD OLDPWD; exec \"$@\""), "evor-stub"]);
        a.AddRange(spec.Command);
        return a;
    }
}
