using EvoR.Sandbox.Backends;

namespace EvoR.Sandbox.Docker.Scopes;

/// <summary>
/// The gate of a container reused within one trust scope (<see cref="SandboxScope"/>), run as <c>sh -c Script evor-gate
/// NONCE COMMAND...</c>. It serves one run after another over the container's one attach stream:
/// <list type="number">
/// <item>reads the run's input as the one-run gate does (<see cref="GateInput"/>: the files into <c>/app</c> under umask
/// 0222, then <c>/app</c> made 0555), with the program's stdin as one more file, <see cref="StdinFile"/> (the container's
/// own stdin is the protocol: the program never gets it), writes <see cref="ContainerSpec.GateMarker"/> and runs the
/// command as its child;</item>
/// <item>when the program exits, kills every other process of the container (<c>kill -9 -1</c>: all but init and the gate,
/// atomically with respect to fork) and waits until init has reaped them, reads the memory cgroup's OOM-kill counter
/// (a run counts an OOM kill when the counter moved since the previous run), and writes the end frame
/// (<see cref="GateEndFrame"/>) to stdout and stderr;</item>
/// <item>waits for <c>clean TOKEN</c> (a fresh random token the service sends only after it has read both frames), kills
/// everything again, empties every folder the program can write to (<see cref="WritableFolders"/>; modes restored first
/// where the program took its own write permission away) and removes System V IPC objects, then verifies: no process in
/// <c>/proc</c> but init and the gate, no entry in any of those folders, none in <c>/proc/sysvipc</c>; and answers
/// <c>evor-gate-clean:TOKEN:1</c> (clean) or <c>:0</c>.</item>
/// </list>
/// Only a container that answered <c>:1</c> for that token, with nothing else on either stream, serves another run of its
/// scope; anything else (no frame, a frame the service did not take, a kill, an OOM kill, a wrong or late answer) removes
/// it. The program's environment is the container's (the allow-list): the gate's own variables (prefixed <c>_</c>) are
/// never exported, and no run can change what the next one inherits. The end of stdin (scope ended) ends the gate.
/// </summary>
internal static class ScopeGate
{
    /// <summary>The program's stdin, as a read-only file of the run's input (absent: <c>/dev/null</c>).</summary>
    public const string StdinFile = ".evor-stdin";

    /// <summary>Everything the program's user can write to in a sandbox container: its tmpfs mounts, the gate's
    /// <c>/app</c> and POSIX message queues (the root file system is read-only; <c>/dev</c>, <c>/sys</c> are root's).</summary>
    public static readonly string[] WritableFolders = ["/work", "/tmp", "/var/tmp", "/dev/shm", "/dev/mqueue", "/app"];

    private static readonly string Folders = string.Join(' ', WritableFolders);

    public static readonly string Script =
        "_nonce=$1; shift; unset PWD OLDPWD; "
        + "_oom() { _c=x; for _f in /sys/fs/cgroup/memory/memory.oom_control /sys/fs/cgroup/memory.events; do [ -r \"$_f\" ] || continue; "
        + "_c=0; while read -r _k _v; do [ \"$_k\" = oom_kill ] && _c=$_v; done <\"$_f\"; break; done; }; "
        + "_reap() { kill -9 -1 2>/dev/null && { _i=0; while kill -0 -1 2>/dev/null && [ \"$_i\" -lt 10000 ]; do _i=$((_i + 1)); done; }; }; "
        + "_left() { _d=0; for _p in /proc/[0-9]*; do _p=${_p#/proc/}; [ \"$_p\" = 1 ] || [ \"$_p\" = \"$$\" ] || _d=1; done; "
        + "for _f in " + Folders + "; do for _e in \"$_f\"/* \"$_f\"/.[!.]* \"$_f\"/..?*; do { [ -e \"$_e\" ] || [ -L \"$_e\" ]; } && _d=1; done; done; "
        + "for _f in /proc/sysvipc/shm /proc/sysvipc/msg /proc/sysvipc/sem; do _j=0; [ -r \"$_f\" ] && while read -r _l; do _j=$((_j + 1)); done <\"$_f\"; "
        + "[ \"$_j\" -le 1 ] || _d=1; done; }; "
        + "_empty() { chmod 0755 /app 2>/dev/null; find " + Folders + " -mindepth 1 -delete 2>/dev/null; _left; [ \"$_d\" = 0 ] && return; "
        + "chmod -R u+rwX " + Folders + " 2>/dev/null; find " + Folders + " -mindepth 1 -delete 2>/dev/null; ipcrm -a 2>/dev/null; _left; }; "
        + "_oom; _seen=$_c; "
        + "while read -r _n; do umask 0222; "
        + "while [ \"$_n\" -gt 0 ]; do read -r _size && IFS= read -r _name && head -c \"$_size\" >\"/app/$_name\" || exit 125; _n=$((_n - 1)); done; "
        + "chmod 0555 /app && umask 0022 && printf 'evor-gate-open\\n' || exit 125; "
        + "if [ -e /app/" + StdinFile + " ]; then \"$@\" </app/" + StdinFile + "; else \"$@\" </dev/null; fi; _s=$?; "
        + "_reap; _oom; _o=1; [ \"$_c\" != x ] && [ \"$_c\" = \"$_seen\" ] && _o=0; _seen=$_c; "
        + "printf 'evor-gate-end:%s:%03d:%s\\n' \"$_nonce\" \"$_s\" \"$_o\"; printf 'evor-gate-end:%s:%03d:%s\\n' \"$_nonce\" \"$_s\" \"$_o\" >&2; "
        + "read -r _w _t || exit 0; [ \"$_w\" = clean ] || exit 125; _reap; _empty; _ok=1; [ \"$_d\" = 0 ] || _ok=0; "
        + "printf 'evor-gate-clean:%s:%s\\n' \"$_t\" \"$_ok\"; done";

    /// <summary>Whether this run can go through a scope's container: started, gated containers are in use (not gVisor, not
    /// <c>PoolStarted=false</c>), the gate's helper fits in the program's process budget, and its files and stdin fit the
    /// gate (<see cref="GateInput.Fits"/>: none executable, which leaves the run step of compiled languages to fresh
    /// containers).</summary>
    public static bool Fits(SandboxRunSpec spec, DockerSandboxOptions options) =>
        options.UsesGate && spec.Limits.MaxProcesses > 1 && spec.Files.All(f => f.Name != StdinFile)
        && GateInput.Fits(Files(spec), spec.Limits);

    /// <summary>The files the gate places for this run: the run's own, then its stdin when it has any.</summary>
    public static IReadOnlyList<SandboxFile> Files(SandboxRunSpec spec) =>
        spec.Stdin is { Length: > 0 } stdin ? [.. spec.Files, new SandboxFile(StdinFile, stdin)] : spec.Files;

    /// <summary>The answer the gate gives to <c>clean TOKEN</c> when it verified the container clean.</summary>
    public static string CleanAnswer(string token) => $"evor-gate-clean:{token}:1\n";
}
