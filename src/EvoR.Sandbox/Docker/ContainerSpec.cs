using System.Globalization;
using Docker.DotNet.Models;
using EvoR.Sandbox.Backends;

namespace EvoR.Sandbox.Docker;

/// <summary>
/// The hardened container of one run: no network, read-only root, size-limited tmpfs scratch (<c>/work</c>,
/// <c>/tmp</c>, <c>/var/tmp</c>, <c>/dev/shm</c>), every capability dropped, no-new-privileges, Docker's default seccomp
/// profile without ptrace, pids and memory limits (swap equal to memory, so running out of memory is an OOM kill the engine reports),
/// rlimits, an init process as pid 1, a non-root user, the environment allow-list only, no logging driver (output is
/// read from the attach stream), and labels that name the owning service instance. Where the run goes through the gate
/// (<see cref="Gates"/>), <c>/app</c> is a noexec tmpfs that the gate fills from its stdin and then makes read-only (dir
/// 0555, files 0444; the files count against the run's memory like its scratch space); otherwise it is an
/// anonymous volume that receives the files through the archive API before start, root-owned so the program cannot write to it.
/// The run's libraries are read-only bind mounts at <c>/libraries/NAME</c>.
/// </summary>
internal static class ContainerSpec
{
    private const long MiB = 1024 * 1024;

    /// <summary>Init (pid 1) takes one slot of the pids limit.</summary>
    private const int InitProcesses = 1;

    /// <summary>Docker's default seccomp profile (moby 20.10, Apache-2.0) less <c>ptrace</c>, <c>process_vm_readv</c> and
    /// <c>process_vm_writev</c>, which the default allows on kernels from 4.8: without Yama, a program could otherwise
    /// attach to the init process of its own container (same uid).</summary>
    public static readonly string DefaultSeccompProfile = LoadSeccompProfile();

    /// <summary>The shell gate of a started pooled container, run as <c>sh -c GateScript evor-gate NONCE COMMAND...</c>. It
    /// blocks until the run's input arrives on stdin (see <see cref="GateInput"/>): a line with the number of files, then
    /// per file a line with its size, a line with its name and that many bytes of content, written to <c>/app</c> by
    /// <c>head -c</c> (which reads exactly that many bytes, as <c>read</c> reads byte by byte), so the program's stdin
    /// starts right after the last file. The umask 0222 makes the files read-only; <c>/app</c> itself is made read-only
    /// last, and the umask goes back to the container's default 0022 (the program's own files must stay writable, e.g. a
    /// compiler's). Then it writes <see cref="GateMarker"/> to stdout and runs the command as its child (a shell runs a
    /// foreground command with default signal dispositions and the shell's stdin, so the program starts as it would from
    /// <c>exec</c>), and stays to end the run as <see cref="WaiterScript"/> does. The marker comes before anything the
    /// program can write, so its presence proves that the files are in place and the program started; a gate that fails
    /// exits 125 without it.</summary>
    public const string GateScript =
        "nonce=$1; shift; umask 0222; read -r n || exit 125; "
        + "while [ \"$n\" -gt 0 ]; do read -r size && IFS= read -r name && head -c \"$size\" >\"/app/$name\" || exit 125; "
        + "n=$((n - 1)); done; chmod 0555 /app && umask 0022 && printf 'evor-gate-open\\n' || exit 125; " + EndOfRun;

    /// <summary>The parent of a gate that places the files itself (<see cref="PythonGate"/>), run as <c>sh -c WaiterScript
    /// evor-gate NONCE COMMAND...</c>: it starts the command at once, and ends the run when it exits.</summary>
    public const string WaiterScript = "nonce=$1; shift; " + EndOfRun;

    /// <summary>The end of a run, in the gate that stays as the program's parent: when the program exits, it kills whatever
    /// else still runs in the container (<c>kill -9 -1</c>: every process of the user but init and itself; with
    /// <c>exec</c> the container's end did the same) and, if there was any, waits (bounded) until init has reaped them
    /// all, so nothing of the run is left when its result is out; then it reads the memory cgroup's OOM-kill counter
    /// (0: none counted, 1: some, 2: no counter to read),
    /// writes the end frame (<see cref="GateEndFrame"/>, with the nonce of its command line) to stdout and stderr, and
    /// exits with the program's status.
    /// The shell exports PWD to its children; the program's environment is the allow-list only, so it is unset first.</summary>
    private const string EndOfRun =
        "unset PWD OLDPWD; \"$@\"; s=$?; kill -9 -1 2>/dev/null && { i=0; while kill -0 -1 2>/dev/null && [ \"$i\" -lt 10000 ]; do i=$((i + 1)); done; }; "
        + "o=u; for f in /sys/fs/cgroup/memory/memory.oom_control /sys/fs/cgroup/memory.events; do [ -r \"$f\" ] || continue; "
        + "while read -r k v; do [ \"$k\" = oom_kill ] && o=$v; done <\"$f\"; break; done; [ \"$o\" = u ] && o=2 || { [ \"$o\" = 0 ] || o=1; }; "
        + "printf 'evor-gate-end:%s:%03d:%s\\n' \"$nonce\" \"$s\" \"$o\"; printf 'evor-gate-end:%s:%03d:%s\\n' \"$nonce\" \"$s\" \"$o\" >&2; "
        + "exit \"$s\"";

    /// <summary>Where a gated container's command holds the end frame's nonce: each container gets its own
    /// (<see cref="WithNonce"/>), the spec built here only a placeholder.</summary>
    private const int NonceIndex = 4;

    private const string NoncePlaceholder = "0";

    /// <summary>What the gate writes to stdout just before it becomes the program (not part of the program's output).</summary>
    public static ReadOnlySpan<byte> GateMarker => "evor-gate-open\n"u8;

    /// <summary>Processes the gate needs besides init and itself: one <c>head</c> or <c>chmod</c> at a time, gone before
    /// the program starts. Runs allowed fewer processes than this (maxProcesses 1) skip the gate.</summary>
    private const int GateHelperProcesses = 1;

    /// <summary>The gate itself, which stays while the program runs (its parent): a slot of the pids limit that is not the
    /// program's.</summary>
    private const int GateProcesses = 1;

    /// <summary>Whether this run goes through a started, gated container (files over stdin) rather than a created one
    /// (files through the archive API, then start): the pool is started, the runtime is not gVisor, the gate's helper fits
    /// in the program's process budget, and the files fit the gate's limits (<see cref="GateInput.Fits"/>): none is
    /// executable, as the gate's <c>/app</c> is noexec like all the scratch space (the program's user owns it, so it could
    /// make it writable again, and no place it can write to may hold programs that run).
    /// The Python gate (<see cref="PythonGate"/>) needs no helper process.</summary>
    public static bool Gates(SandboxRunSpec spec, DockerSandboxOptions options) =>
        options.UsesGate && spec.Limits.MaxProcesses > (UsesPythonGate(spec, options) ? 0 : GateHelperProcesses)
        && GateInput.Fits(spec.Files, spec.Limits);

    /// <summary>Whether a gated run of this spec has the Python gate rather than the shell gate.</summary>
    private static bool UsesPythonGate(SandboxRunSpec spec, DockerSandboxOptions options) => options.PythonGate && PythonGate.Fits(spec);

    /// <summary>Whether a container built by <see cref="Build"/> runs its command behind a gate.</summary>
    public static bool IsGated(CreateContainerParameters parameters) =>
        parameters.Cmd is [_, _, GateScript or WaiterScript, _, _, ..] || IsScoped(parameters);

    /// <summary>Whether a container built by <see cref="Build"/> serves a trust scope's runs.</summary>
    public static bool IsScoped(CreateContainerParameters parameters) =>
        parameters.Cmd is [_, _, var script, _, _, ..] && string.Equals(script, Scopes.ScopeGate.Script, StringComparison.Ordinal);

    /// <summary>A copy of gated container parameters with their own end-frame nonce; the run reads its frame with
    /// <see cref="GateEndFrame"/> of that nonce. The nonce is on the gate's command line (the program can read it there
    /// as it can in the gate's memory: see <see cref="GateEndFrame"/> for why that gains it nothing), never in the
    /// environment.</summary>
    public static CreateContainerParameters WithNonce(CreateContainerParameters parameters, string nonce)
    {
        var copy = new CreateContainerParameters();
        foreach (var property in typeof(CreateContainerParameters).GetProperties())
        {
            if (property.CanRead && property.CanWrite && property.GetIndexParameters().Length == 0)
            {
                property.SetValue(copy, property.GetValue(parameters));
            }
        }

        copy.Cmd = [.. parameters.Cmd];
        copy.Cmd[NonceIndex] = nonce;
        return copy;
    }

    /// <summary>The container of one run, or with <paramref name="scoped"/> the container of a trust scope's runs of this
    /// profile (<see cref="Scopes.ScopeGate"/>: same hardening and limits, the gate serves one run after another).</summary>
    public static CreateContainerParameters Build(
        SandboxRunSpec spec, string image, DockerSandboxOptions options, IReadOnlyDictionary<string, string> labels, bool scoped = false)
    {
        var limits = spec.Limits;
        var memory = limits.MemoryMb * MiB;
        var cpuSeconds = Math.Max(1, (limits.CpuTimeMs + 999) / 1000);
        var scratch = Invariant($"rw,nosuid,nodev,size={limits.ScratchMb}m");
        var (uid, gid) = ParseUser(options.User);
        var gated = scoped || Gates(spec, options);
        var tmpfs = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["/work"] = Invariant($"{scratch},mode=0755,uid={uid},gid={gid}"),
            ["/tmp"] = scratch + ",mode=1777",
            ["/var/tmp"] = scratch + ",mode=1777",
        };
        if (gated)
        {
            // Writable by the gate (same user as the program) only until it has placed the files.
            tmpfs["/app"] = Invariant($"{scratch},noexec,mode=0755,uid={uid},gid={gid}");
        }

        return new CreateContainerParameters
        {
            Image = image,
            Cmd = scoped ? ["/bin/sh", "-c", Scopes.ScopeGate.Script, "evor-gate", NoncePlaceholder, .. spec.Command]
                : !gated ? [.. spec.Command]
                : UsesPythonGate(spec, options) ? ["/bin/sh", "-c", WaiterScript, "evor-gate", NoncePlaceholder, .. PythonGate.Command(spec)]
                : ["/bin/sh", "-c", GateScript, "evor-gate", NoncePlaceholder, .. spec.Command],
            Env = [.. spec.Environment.Select(kv => $"{kv.Key}={kv.Value}")],
            User = options.User,
            WorkingDir = "/work",
            Hostname = "sandbox",
            AttachStdin = true,
            AttachStdout = true,
            AttachStderr = true,
            OpenStdin = true,
            StdinOnce = true,
            Tty = false,
            NetworkDisabled = true,
            Labels = new Dictionary<string, string>(labels, StringComparer.Ordinal),
            HostConfig = new HostConfig
            {
                NetworkMode = "none",
                ReadonlyRootfs = true,
                CapDrop = ["ALL"],
                SecurityOpt = ["no-new-privileges", "seccomp=" + DefaultSeccompProfile],
                Init = true,
                PidsLimit = limits.MaxProcesses + InitProcesses + (gated ? GateProcesses : 0),
                Memory = memory,
                MemorySwap = memory,
                Ulimits =
                [
                    new Ulimit { Name = "nofile", Soft = limits.OpenFiles, Hard = limits.OpenFiles },
                    new Ulimit { Name = "fsize", Soft = limits.FileSizeMb * MiB, Hard = limits.FileSizeMb * MiB },
                    new Ulimit { Name = "core", Soft = 0, Hard = 0 },
                    new Ulimit { Name = "cpu", Soft = cpuSeconds, Hard = cpuSeconds + 1 },
                ],
                Tmpfs = tmpfs,
                ShmSize = limits.ScratchMb * MiB,
                IpcMode = "private",
                Mounts = [.. gated ? [] : new[] { new Mount { Type = "volume", Target = "/app" } }, .. LibraryMounts(spec)],
                LogConfig = new LogConfig { Type = "none" },
                Runtime = options.Runtime,
                RestartPolicy = new RestartPolicy { Name = RestartPolicyKind.No },
            },
        };
    }

    /// <summary>The run's libraries, bound read-only from the engine's host (never writable, whatever the program's user).</summary>
    private static IEnumerable<Mount> LibraryMounts(SandboxRunSpec spec) =>
        spec.Libraries.Select(library => new Mount
        {
            Type = "bind",
            Source = library.HostPath,
            Target = library.SandboxPath,
            ReadOnly = true,
            BindOptions = new BindOptions { Propagation = "rprivate" },
        });

    /// <summary>What makes two runs' containers interchangeable: everything but the labels.</summary>
    public static string ProfileKey(CreateContainerParameters p)
    {
        var h = p.HostConfig!;
        return string.Join('\u001f',
            p.Image, string.Join('\u001e', p.Cmd), string.Join('\u001e', p.Env.Order(StringComparer.Ordinal)), p.User,
            h.Runtime ?? "", h.Memory.ToString(CultureInfo.InvariantCulture), h.PidsLimit?.ToString(CultureInfo.InvariantCulture),
            string.Join('\u001e', h.Ulimits!.Select(u => Invariant($"{u.Name}={u.Soft}:{u.Hard}"))),
            string.Join('\u001e', h.Tmpfs!.Select(t => $"{t.Key}={t.Value}")), h.ShmSize.ToString(CultureInfo.InvariantCulture),
            string.Join('\u001e', (h.Mounts ?? []).Select(m => $"{m.Type}:{m.Source}:{m.Target}:{m.ReadOnly}")));
    }

    private static string LoadSeccompProfile()
    {
        using var stream = typeof(ContainerSpec).Assembly.GetManifestResourceStream("EvoR.Sandbox.Docker.seccomp.json")
            ?? throw new InvalidOperationException("The embedded seccomp.json is missing.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Trim();
    }

    private static (string Uid, string Gid) ParseUser(string user)
    {
        var parts = user.Split(':');
        return (parts[0], parts.Length > 1 ? parts[1] : parts[0]);
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
